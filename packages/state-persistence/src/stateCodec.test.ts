import { StateNotSerializableError, StateTooLargeError } from './errors';
import { decodeValue, encodeValue, fastEncode, plainEncode, walkValue } from './stateCodec';

const roundTrip = (value: unknown) => decodeValue(encodeValue(value, 'state', 1024 * 1024).json);

describe('state encoding', () => {
  it.each([
    ['plain JSON', { a: 1, b: ['x', true, null], c: { d: 1.5 } }],
    ['Date', { at: new Date('2026-01-02T03:04:05.678Z') }],
    ['BigInt beyond 2^53', { big: 12345678901234567890123n, neg: -5n }],
    ['Map with non-string keys, order kept', { m: new Map<unknown, unknown>([[2, 'two'], ['k', new Date(0)], [{ o: 1 }, [1n]]]) }],
    ['Set, order kept', { s: new Set(['b', 'a', 3]) }],
    ['undefined property and array item', { u: undefined, arr: [1, undefined, 3] }],
    ['object that has a "$t" key of its own', { $t: 'Date', v: 'not a date' }],
    ['nested mix', [new Map([['inner', new Set([new Date(1)])]])]],
    ['top-level primitives', 'just a string'],
    ['unicode and emoji', { text: 'héllo — 你好 👋' }],
  ])('round-trips %s exactly', (_name, value) => {
    const back = roundTrip(value);
    expect(back).toEqual(value);
    if (value && typeof value === 'object' && 'u' in value) expect(Object.keys(back as object)).toContain('u');
  });

  it('keeps Map and Set types (not plain objects/arrays)', () => {
    const back = roundTrip({ m: new Map([['a', 1]]), s: new Set([1]) }) as { m: unknown; s: unknown };
    expect(back.m).toBeInstanceOf(Map);
    expect(back.s).toBeInstanceOf(Set);
  });

  it('keeps a "__proto__" key as data', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}}') as object;
    const back = roundTrip(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  it.each([
    ['a function', { steps: [{ callback: () => 1 }] }, 'state.steps[0].callback', 'functions'],
    ['a symbol value', { s: Symbol('x') }, 'state.s', 'symbols'],
    ['a symbol key', { [Symbol('k')]: 1 }, 'state', 'symbol-keyed'],
    ['a cycle', cycle, 'state.self', 'cycle'],
    ['NaN', { n: NaN }, 'state.n', 'finite'],
    ['Infinity', { n: [Infinity] }, 'state.n[0]', 'finite'],
    ['an invalid Date', { d: new Date('nope') }, 'state.d', 'invalid'],
    ['a class instance', { r: /re/ }, 'state.r', 'RegExp'],
    ['a Buffer', { b: Buffer.from('x') }, 'state.b', 'Buffer'],
    ['a NUL character', { t: 'a\u0000b' }, 'state.t', 'U+0000'],
    ['a lone surrogate', { t: 'a\ud800' }, 'state.t', 'surrogate'],
  ])('refuses %s with StateNotSerializableError naming the path', (_name, value, path, words) => {
    const attempt = () => encodeValue(value, 'state', 1024 * 1024);
    expect(attempt).toThrow(StateNotSerializableError);
    expect(attempt).toThrow(words);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: 'STATE_NOT_SERIALIZABLE', path });
    }
  });

  it('refuses nesting deeper than 500 levels', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 600; i++) deep = [deep];
    expect(() => encodeValue(deep, 'state', 10 * 1024 * 1024)).toThrow('deeper than 500');
  });

  it('measures the encoded UTF-8 size against the limit', () => {
    const value = { text: 'é'.repeat(600) }; // 1200 bytes of text + 11 of JSON around it
    expect(encodeValue(value, 'state', 2000).bytes).toBe(Buffer.byteLength(JSON.stringify(value)));
    const error = (() => {
      try {
        encodeValue(value, 'state', 1000);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(StateTooLargeError);
    expect(error).toMatchObject({ code: 'STATE_TOO_LARGE', field: 'state', limitBytes: 1000, bytes: 1211 });
  });
});

describe('fast encoder', () => {
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const nested = (levels: number) => {
    let v: unknown = 1;
    for (let i = 0; i < levels; i++) v = [v];
    return v;
  };
  const withProto = JSON.parse('{"__proto__": {"a": [1, {"$t": "x"}]}, "b": null}') as unknown;
  const corpus: Array<[string, unknown]> = [
    ['plain JSON', { a: 1, b: ['x', true, null, -0, 1e21, 0.1], c: { d: 'é—你👋' } }],
    ['tags everywhere', { at: new Date(1), n: 10n ** 30n, m: new Map<unknown, unknown>([[new Date(2), new Set([undefined, 1n])]]), u: undefined, arr: [undefined, ...new Array<undefined>(1), 3] }],
    ['own $t keys, nested', { $t: 'Date', v: { $t: 'Map', v: [] } }],
    ['__proto__ key', withProto],
    ['top-level undefined', undefined],
    ['top-level bigint', 5n],
    ['null prototype object', Object.assign(Object.create(null) as object, { k: 1 })],
    ['400 levels', nested(400)],
  ];

  it.each(corpus)('gives byte-identical JSON to the walker for %s', (_name, value) => {
    const fast = fastEncode(value);
    expect(fast).toBeDefined();
    expect(fast).toBe(JSON.stringify(walkValue(value)));
  });

  it('leaves text that merely looks like an escape to the walker, which stores it', () => {
    const value = { s: '\\u0000 and \\ud800 as text' };
    expect(fastEncode(value)).toBeUndefined();
    expect(roundTrip(value)).toEqual(value);
  });

  it.each([
    ['a function', { f: () => 1 }],
    ['a cycle', cycle],
    ['NaN', [NaN]],
    ['a NUL in a key', { ['a\u0000']: 1 }],
    ['a lone surrogate', 'x\udc00'],
    ['a class instance', new (class Thing {})()],
    ['an object with toJSON', { toJSON: () => 'x' }],
    ['600 levels', nested(600)],
  ])('leaves %s to the walker', (_name, value) => {
    expect(fastEncode(value)).toBeUndefined();
  });

  describe('plain-JSON path', () => {
    it.each([
      ['plain JSON', corpus[0]![1]],
      ['null prototype object', corpus[6]![1]],
      ['400 levels', corpus[7]![1]],
      ['a "__proto__" key holding plain data', JSON.parse('{"__proto__": {"a": [1, 2]}, "b": "c"}') as unknown],
    ])('takes %s and gives the walker\'s exact JSON', (_name, value) => {
      expect(plainEncode(value)).toBe(JSON.stringify(walkValue(value)));
    });

    it.each([
      ...corpus.filter(([name]) => !['plain JSON', 'null prototype object', '400 levels'].includes(name)),
      ['a symbol key', { [Symbol('s')]: 1, a: 1 }],
      // eslint-disable-next-line no-sparse-arrays -- a hole, on purpose
      ['an array hole', [1, , 3]],
      ['a Date', { at: new Date(0) }],
      ['text that looks like an escape', { s: '\\u0000' }],
      ['a cycle', cycle],
      ['NaN', [NaN]],
      ['a function', { f: () => 1 }],
      ['an object with toJSON', { toJSON: () => 'x' }],
      ['600 levels', nested(600)],
    ] as Array<[string, unknown]>)('leaves %s to the other encoders', (_name, value) => {
      expect(plainEncode(value)).toBeUndefined();
    });

    it('steps aside while Object.prototype has a toJSON (it would change the output)', () => {
      const proto = Object.prototype as { toJSON?: () => string };
      proto.toJSON = () => 'patched';
      try {
        expect(plainEncode({ a: 1 })).toBeUndefined();
      } finally {
        delete proto.toJSON;
      }
      expect(plainEncode({ a: 1 })).toBe('{"a":1}');
    });
  });
});
