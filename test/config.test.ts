import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('defaults to 127.0.0.1:8080, ./data/chainrule.db, one worker per core, 64 MB bodies', () => {
    const config = loadConfig({});

    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: resolve('data'),
      workers: availableParallelism(),
      logLevel: 'info',
      bodyLimitBytes: 64 * 1024 * 1024,
      database: { kind: 'sqlite', path: resolve('data', 'chainrule.db') },
    });
  });

  it('reads every variable of the first block', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      DATA_DIR: '/tmp/chainrule-x',
      WORKERS: '3',
      LOG_LEVEL: 'debug',
      BODY_LIMIT_MB: '0.5',
    });

    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/tmp/chainrule-x',
      workers: 3,
      logLevel: 'debug',
      bodyLimitBytes: 512 * 1024,
      database: { path: '/tmp/chainrule-x/chainrule.db' },
    });
  });

  it('lets DATABASE_URL name another SQLite file, or memory', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/other.db' }).database).toEqual({
      kind: 'sqlite',
      path: '/tmp/other.db',
    });
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database).toEqual({
      kind: 'sqlite',
      path: ':memory:',
    });
  });

  it.each([
    ['PORT', '80a'],
    ['PORT', '65536'],
    ['WORKERS', '0'],
    ['WORKERS', '1.5'],
    ['BODY_LIMIT_MB', '0'],
    ['LOG_LEVEL', 'verbose'],
    ['DATA_DIR', ''],
    ['DATABASE_URL', 'mysql://db'],
    ['LEASE_SECONDS', 'soon'],
  ])('refuses %s=%j with one line naming the variable and the value', (variable, value) => {
    const load = () => loadConfig({ [variable]: value });
    const shown = JSON.stringify(JSON.stringify(value)).slice(1, -1);

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(new RegExp(`^invalid configuration: ${variable} .*\\(got ${shown}\\)$`));
  });
});

describe('loadConfig for PostgreSQL', () => {
  it('selects PostgreSQL for a postgres:// or postgresql:// DATABASE_URL, else SQLite', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/chainrule' }).database).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db:5432/chainrule',
    });
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/chainrule' }).database.kind).toBe(
      'postgres',
    );
    expect(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database).toEqual({
      kind: 'sqlite',
      path: ':memory:',
    });
  });

  it('reads the PostgreSQL pool size and timeouts, with defaults', () => {
    expect(loadConfig({}).postgres).toEqual({
      poolSize: 10,
      statementTimeoutMs: 30_000,
      connectTimeoutMs: 5000,
    });
    expect(
      loadConfig({
        PG_POOL_SIZE: '4',
        PG_STATEMENT_TIMEOUT_SECONDS: '2.5',
        PG_CONNECT_TIMEOUT_SECONDS: '1',
      }).postgres,
    ).toEqual({ poolSize: 4, statementTimeoutMs: 2500, connectTimeoutMs: 1000 });
  });

  it('refuses a bad PostgreSQL setting, naming the variable and the value', () => {
    expect(() => loadConfig({ PG_POOL_SIZE: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ PG_POOL_SIZE: '0' })).toThrow(
      'invalid configuration: PG_POOL_SIZE must be between 1 and 1000 (got "0")',
    );
    expect(() => loadConfig({ PG_STATEMENT_TIMEOUT_SECONDS: 'soon' })).toThrow(
      /PG_STATEMENT_TIMEOUT_SECONDS .*"soon"/,
    );
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db' })).toThrow(
      /DATABASE_URL must start with sqlite: or postgres:\/\//,
    );
  });
});
