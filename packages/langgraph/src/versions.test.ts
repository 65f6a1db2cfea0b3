import { nextChannelVersion } from './versions';

describe('nextChannelVersion', () => {
  it('counts up from nothing, a number, or a previous version, and is unique per call', () => {
    expect(nextChannelVersion(undefined)).toMatch(/^0{31}1\.[0-9a-f]{16}$/);
    expect(nextChannelVersion(41)).toMatch(/^0{30}42\./);
    const v2 = nextChannelVersion(nextChannelVersion(undefined));
    expect(v2).toMatch(/^0{31}2\./);
    expect(nextChannelVersion(1)).not.toBe(nextChannelVersion(1));
  });

  it('orders as strings the way the counters order', () => {
    const versions = [9, 10, 99, 100].map((n) => nextChannelVersion(n));
    expect([...versions].sort()).toEqual(versions);
  });
});
