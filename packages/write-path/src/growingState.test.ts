import { assembleLayout, elementDigest, MAX_LAYOUT_RANGES, planLayout, splitJson, type KnownElements, type PlannedLayout } from './growingState';

const message = (i: number, extra = '') => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i} ${'x'.repeat(200)}${extra}`, meta: { i, tags: ['a', 'b'] } });

/** Stored bodies by seq, as the database would hold them after `plan` was written at `base`. */
function store(bodies: Map<number, string>, plan: PlannedLayout, base: number) {
  plan.bodies.forEach((body, i) => bodies.set(base + i + 1, body));
  const layout = plan.relative ? plan.layout.map((e) => (typeof e === 'string' ? e : ([e[0] + base, e[1] + base] as [number, number]))) : plan.layout;
  return layout;
}

function knownOf(bodies: Map<number, string>): KnownElements {
  const seqByDigest = new Map<string, number>();
  for (const [seq, body] of bodies) seqByDigest.set(elementDigest(body), seq);
  return { seqByDigest, lastSeq: Math.max(0, ...bodies.keys()) };
}

describe('splitJson', () => {
  it('leaves small states and arrays of small items whole (null)', () => {
    expect(splitJson(JSON.stringify({ a: 1, b: [1, 2, 3] }))).toBeNull();
    expect(splitJson(JSON.stringify({ vector: Array.from({ length: 2000 }, (_, i) => i / 7) }))).toBeNull();
  });

  it('splits large arrays anywhere in the tree, and the pieces put back together are the text', () => {
    const state = {
      step: 3,
      'quote"d\\key': 'va"l\\ue',
      nested: { messages: Array.from({ length: 20 }, (_, i) => message(i)), empty: [], small: [1, 'two', null, true, false, -1.5e-7] },
      list: [{ inner: Array.from({ length: 15 }, (_, i) => message(i, '\\"[]{},')) }, 3],
      top: Array.from({ length: 12 }, (_, i) => `string item ${i} ${'é'.repeat(200)}`),
    };
    const json = JSON.stringify(state);
    const parts = splitJson(json)!;
    expect(parts.filter((p) => 'items' in p).map((p) => ('items' in p ? p.items.length : 0))).toEqual([20, 15, 12]);
    const text = parts.map((p) => ('text' in p ? p.text : p.items.join(','))).join('');
    expect(text).toBe(json);
    for (const p of parts) if ('items' in p) for (const item of p.items) expect(() => JSON.parse(item)).not.toThrow();
  });

  it('accepts whitespace between tokens and a large top-level array', () => {
    const json = JSON.stringify(Array.from({ length: 30 }, (_, i) => message(i)), null, 2);
    const parts = splitJson(json)!;
    expect(parts.map((p) => ('text' in p ? p.text : p.items.join(','))).join('').replace(/\s/g, '')).toBe(json.replace(/\s/g, ''));
  });

  it('rejects text that is not one JSON value', () => {
    expect(() => splitJson('{"a":"unterminated')).toThrow(SyntaxError);
    expect(() => splitJson('[1] 2')).toThrow(SyntaxError);
  });
});

describe('planLayout', () => {
  it('a growing chat keeps one range per array: reused prefix plus the appended element', () => {
    const bodies = new Map<number, string>();
    let known: KnownElements | null = null;
    for (let n = 20; n < 25; n++) {
      const json = JSON.stringify({ turn: n, messages: Array.from({ length: n }, (_, i) => message(i)) });
      const plan = planLayout(splitJson(json)!, known);
      const base = known ? known.lastSeq : bodies.size;
      const layout = store(bodies, plan, base);
      expect(assembleLayout(layout, (seq) => bodies.get(seq)!)).toBe(json);
      if (known) {
        expect(plan.bodies).toHaveLength(1);
        expect(layout.filter((e) => typeof e !== 'string')).toHaveLength(1);
      } else expect(plan.relative).toBe(true);
      known = knownOf(bodies);
    }
  });

  it('an edit in the middle stores one new element and splits the range; equal items in one save share an element', () => {
    const bodies = new Map<number, string>();
    const messages = Array.from({ length: 20 }, (_, i) => message(i));
    store(bodies, planLayout(splitJson(JSON.stringify({ messages }))!, null), 0);
    messages[7] = message(7, ' edited');
    messages.push(message(3), message(3));
    const json = JSON.stringify({ messages });
    const plan = planLayout(splitJson(json)!, knownOf(bodies));
    expect(plan.bodies).toHaveLength(1);
    expect(plan.reused).toBe(21);
    const layout = store(bodies, plan, 20);
    expect(assembleLayout(layout, (seq) => bodies.get(seq)!)).toBe(json);
  });

  it('a layout past MAX_LAYOUT_RANGES is stored afresh (relative, one run)', () => {
    const bodies = new Map<number, string>();
    const messages = Array.from({ length: 2 * MAX_LAYOUT_RANGES + 10 }, (_, i) => message(i));
    store(bodies, planLayout(splitJson(JSON.stringify({ messages }))!, null), 0);
    const edited = messages.map((m, i) => (i % 2 ? message(i, ' edited') : m));
    const plan = planLayout(splitJson(JSON.stringify({ messages: edited }))!, knownOf(bodies));
    expect(plan.relative).toBe(true);
    expect(plan.layout.filter((e) => typeof e !== 'string')).toEqual([[1, edited.length]]);
  });
});
