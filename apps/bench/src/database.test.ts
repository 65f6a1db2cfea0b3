import { DEFAULT_SERVER_URL, serverUrl } from './database';

describe('serverUrl', () => {
  it('uses BENCH_DATABASE_URL when set', () => {
    expect(serverUrl({ BENCH_DATABASE_URL: 'postgresql://bench@db.example:5433/postgres' })).toBe('postgresql://bench@db.example:5433/postgres');
  });

  it('never uses DATABASE_URL (the user database): the local server instead', () => {
    expect(serverUrl({ DATABASE_URL: 'postgresql://app@prod.example:5432/app' })).toBe(DEFAULT_SERVER_URL);
    expect(serverUrl({ DATABASE_URL: 'postgresql://app@prod.example:5432/app', BENCH_DATABASE_URL: '  ' })).toBe(DEFAULT_SERVER_URL);
    expect(DEFAULT_SERVER_URL).toBe('postgresql://postgres@127.0.0.1:5432/postgres');
  });
});
