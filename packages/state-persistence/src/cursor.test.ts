import { decodeCursor, encodeCursor } from './cursor';
import { InvalidCursorError } from './errors';

describe('cursor', () => {
  const key = JSON.stringify(['test-alice', 't1', null]);
  it('round-trips the position for the same filters', () => {
    expect(decodeCursor(encodeCursor(123456789012n, key), key)).toBe(123456789012n);
  });
  it.each([
    ['another filter', encodeCursor(5n, JSON.stringify(['test-bob', 't1', null]))],
    ['garbage', 'not a cursor!'],
    ['valid base64 of junk', Buffer.from('{"v":1,"s":"-1","f":"x"}').toString('base64url')],
    ['empty string', ''],
    ['a number', 42],
    ['a huge string', 'A'.repeat(10_000)],
  ])('refuses %s with InvalidCursorError', (_name, cursor) => {
    expect(() => decodeCursor(cursor, key)).toThrow(InvalidCursorError);
  });
});
