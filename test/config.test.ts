import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('selects PostgreSQL for a postgres:// or postgresql:// DATABASE_URL, and SQLite otherwise', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/chainrule' }).database)
      .toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/chainrule' });
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/chainrule' }).database.kind).toBe('postgres');
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database).toEqual({ kind: 'sqlite', path: ':memory:' });
  });

  it('reads the PostgreSQL pool size and timeouts, with defaults', () => {
    expect(loadConfig({}).postgres).toEqual({ poolSize: 10, statementTimeoutMs: 30_000, connectTimeoutMs: 5000 });
    expect(loadConfig({ PG_POOL_SIZE: '4', PG_STATEMENT_TIMEOUT_SECONDS: '2.5', PG_CONNECT_TIMEOUT_SECONDS: '1' })
      .postgres).toEqual({ poolSize: 4, statementTimeoutMs: 2500, connectTimeoutMs: 1000 });
  });

  it('refuses a bad PostgreSQL setting, naming the variable and the value', () => {
    expect(() => loadConfig({ PG_POOL_SIZE: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ PG_POOL_SIZE: '0' })).toThrow('invalid configuration: PG_POOL_SIZE must be between 1 and 1000 (got "0")');
    expect(() => loadConfig({ PG_STATEMENT_TIMEOUT_SECONDS: 'soon' })).toThrow(/PG_STATEMENT_TIMEOUT_SECONDS .*"soon"/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db' })).toThrow(/DATABASE_URL must start with sqlite: or postgres:\/\//);
  });
});
