import { KnownReferences } from './knownReferences';

describe('KnownReferences', () => {
  it('stays bounded and evicts the least recently used first', () => {
    const known = new KnownReferences(10);
    for (let i = 0; i < 10; i++) known.add(`User:u${i}`);
    // u0 used again: now the most recent
    expect(known.has('User:u0')).toBe(true);
    known.add('User:u10');
    // over capacity: down to 90% (9 entries), oldest first (u1, u2 go; u0 stays)
    expect(['u0', 'u1', 'u2', 'u3', 'u10'].map((u) => known.has(`User:${u}`))).toEqual([true, false, false, true, true]);
    let held = 0;
    for (let i = 0; i <= 10; i++) if (known.has(`User:u${i}`)) held++;
    expect(held).toBe(9);
  });

  it('remembers nothing with capacity 0, and forgets a user with the rows keyed under it', () => {
    const none = new KnownReferences(0);
    none.add('User:a');
    expect(none.has('User:a')).toBe(false);
    const known = new KnownReferences(100);
    for (const id of ['User:a', 'AgentThread:a/t1', 'AgentThread:ab/t1', 'User:ab']) known.add(id);
    known.forgetOwnedBy('a');
    expect(['User:a', 'AgentThread:a/t1', 'AgentThread:ab/t1', 'User:ab'].map((id) => known.has(id))).toEqual([false, false, true, true]);
  });
});
