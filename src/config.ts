import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';

const integer = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .default(String(fallback))
    .refine((text) => /^\d+$/.test(text), { message: 'must be a whole number' })
    .transform(Number)
    .refine((value) => value >= min && value <= max, {
      message: `must be between ${min} and ${max}`,
    });

const positive = (fallback: number) =>
  z
    .string()
    .trim()
    .default(String(fallback))
    .refine((text) => /^\d+(\.\d+)?$/.test(text) && Number(text) > 0, {
      message: 'must be a positive number',
    })
    .transform(Number);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface ApiKey {
  readonly tenant: string;
  readonly key: string;
}

const API_KEYS_FORMAT =
  'must be tenant:key pairs separated by commas or lines, tenant of letters, ' +
  'digits, . _ -, key of at least 16 characters without spaces or commas';

/** `tenant:key` pairs, separated by commas or new lines; `#` starts a comment line in files. */
export function parseApiKeys(text: string): { ok: boolean; keys: ApiKey[] } {
  const keys: ApiKey[] = [];
  const entries = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry && !entry.startsWith('#'));
  for (const entry of entries) {
    const match = /^([A-Za-z0-9_.-]{1,64}):([^\s,]{16,512})$/.exec(entry);
    if (!match) return { ok: false, keys: [] };
    keys.push({ tenant: match[1], key: match[2] });
  }
  return { ok: true, keys };
}

/**
 * The service's configuration, read from the environment. Names and defaults of the first block
 * are fixed by shared/API.md; the rest tune reliability and limits.
 */
export const ConfigSchema = z.object({
  PORT: integer(8080, 0, 65535),
  HOST: z.string().trim().min(1, { error: 'must not be empty' }).default('127.0.0.1'),
  DATA_DIR: z.string().trim().min(1, { error: 'must not be empty' }).default('./data'),
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .refine((url) => !url || /^(sqlite:|postgres(ql)?:\/\/)/.test(url), {
      message: 'must start with sqlite: or postgres://',
    }),
  WORKERS: integer(availableParallelism(), 1, 256),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })
    .default('info'),
  BODY_LIMIT_MB: positive(64),
  API_KEYS: z
    .string()
    .optional()
    .refine((text) => !text || parseApiKeys(text).ok, { message: API_KEYS_FORMAT }),
  API_KEYS_FILE: z
    .string()
    .trim()
    .optional()
    .refine((path) => !path || existsSync(path), {
      message: 'names a file that does not exist',
      abort: true,
    })
    .refine((path) => !path || parseApiKeys(readFileSync(path, 'utf8')).ok, {
      message: API_KEYS_FORMAT,
    }),
  RATE_LIMIT_PER_MINUTE: integer(6000, 0),
  TENANT_JOB_LIMIT: integer(1000, 1),
  CORS_ORIGINS: z
    .string()
    .trim()
    .default('')
    .refine(
      (text) =>
        text === '' ||
        text.split(',').every((origin) => /^https?:\/\/[^\s/]+$/.test(origin.trim())),
      { message: 'must be a comma-separated list of origins such as https://app.example.com' },
    ),
  METRICS_REQUIRE_KEY: z.enum(['true', 'false']).default('false'),

  MAX_ATTEMPTS: integer(3, 1, 100),
  LEASE_SECONDS: positive(30),
  CHECKPOINT_EVERY_EPOCHS: integer(1000, 1),
  CHECKPOINT_EVERY_SECONDS: positive(5),
  SHUTDOWN_TIMEOUT_SECONDS: positive(10),
  WORKER_HEAP_MB: integer(2048, 64),
  QUEUE_LIMIT: integer(10_000, 1),

  PG_POOL_SIZE: integer(10, 1, 1000),
  PG_STATEMENT_TIMEOUT_SECONDS: positive(30),
  PG_CONNECT_TIMEOUT_SECONDS: positive(5),

  MAX_PARAMETERS: integer(5_000_000, 1),
  MAX_LAYERS: integer(64, 1),
  MAX_UNITS: integer(8192, 1),
  MAX_EPOCHS: integer(1_000_000, 1),
  MAX_WORK: integer(10_000_000_000, 1),
  MAX_DATASET_ROWS: integer(1_000_000, 1),
  MAX_DATASET_COLUMNS: integer(100_000, 1),
  MAX_DATASET_BYTES: integer(512 * 1024 * 1024, 1),
});

export type RawConfig = z.output<typeof ConfigSchema>;

/** Service configuration with derived values resolved. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** Where the store lives: a SQLite file path, ':memory:', or a PostgreSQL URL. */
  readonly database:
    | { readonly kind: 'sqlite'; readonly path: string }
    | { readonly kind: 'postgres'; readonly url: string };
  readonly workers: number;
  readonly logLevel: RawConfig['LOG_LEVEL'];
  readonly bodyLimitBytes: number;
  /** Bearer keys and the tenant each one acts for; empty means the API is open. */
  readonly apiKeys: readonly ApiKey[];
  /** Requests per minute per API key (no limit while the API is open); 0 disables. */
  readonly rateLimitPerMinute: number;
  /** Queued plus running jobs one tenant may have. */
  readonly tenantJobLimit: number;
  /** Origins allowed by CORS; empty disables CORS. */
  readonly corsOrigins: readonly string[];
  readonly metricsRequireKey: boolean;
  readonly maxAttempts: number;
  readonly leaseMs: number;
  readonly checkpointEveryEpochs: number;
  readonly checkpointEveryMs: number;
  readonly shutdownTimeoutMs: number;
  /** A training thread whose JavaScript heap outgrows this dies alone, not the process. */
  readonly workerHeapMb: number;
  readonly queueLimit: number;
  readonly postgres: PostgresSettings;
  readonly limits: Limits;
}

/** Connection settings used when DATABASE_URL names PostgreSQL. */
export interface PostgresSettings {
  /** Query connections per process; the LISTEN connection is one more. */
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

/** What one request may ask of the service; each is refused with 422 LIMIT_EXCEEDED. */
export interface Limits {
  readonly parameters: number;
  readonly layers: number;
  readonly units: number;
  readonly epochs: number;
  /** Training rows × epochs of one job. */
  readonly work: number;
  readonly datasetRows: number;
  readonly datasetColumns: number;
  readonly datasetBytes: number;
}

/** A configuration problem, reported as one line naming the variable. */
export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0]);
    const shown = env[variable] === undefined ? 'unset' : JSON.stringify(env[variable]);
    throw new ConfigError(`invalid configuration: ${variable} ${issue.message} (got ${shown})`);
  }

  const raw = parsed.data;
  const url = raw.DATABASE_URL;
  const dataDir = resolve(raw.DATA_DIR);
  const database =
    url && /^postgres/.test(url)
      ? { kind: 'postgres' as const, url }
      : { kind: 'sqlite' as const, path: url ? sqlitePath(url) : resolve(dataDir, 'chainrule.db') };

  return {
    port: raw.PORT,
    host: raw.HOST,
    dataDir,
    database,
    workers: raw.WORKERS,
    logLevel: raw.LOG_LEVEL,
    bodyLimitBytes: Math.round(raw.BODY_LIMIT_MB * 1024 * 1024),
    apiKeys: [
      ...parseApiKeys(raw.API_KEYS ?? '').keys,
      ...(raw.API_KEYS_FILE ? parseApiKeys(readFileSync(raw.API_KEYS_FILE, 'utf8')).keys : []),
    ],
    rateLimitPerMinute: raw.RATE_LIMIT_PER_MINUTE,
    tenantJobLimit: raw.TENANT_JOB_LIMIT,
    corsOrigins:
      raw.CORS_ORIGINS === '' ? [] : raw.CORS_ORIGINS.split(',').map((origin) => origin.trim()),
    metricsRequireKey: raw.METRICS_REQUIRE_KEY === 'true',
    maxAttempts: raw.MAX_ATTEMPTS,
    leaseMs: raw.LEASE_SECONDS * 1000,
    checkpointEveryEpochs: raw.CHECKPOINT_EVERY_EPOCHS,
    checkpointEveryMs: raw.CHECKPOINT_EVERY_SECONDS * 1000,
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    workerHeapMb: raw.WORKER_HEAP_MB,
    queueLimit: raw.QUEUE_LIMIT,
    postgres: {
      poolSize: raw.PG_POOL_SIZE,
      statementTimeoutMs: Math.round(raw.PG_STATEMENT_TIMEOUT_SECONDS * 1000),
      connectTimeoutMs: Math.round(raw.PG_CONNECT_TIMEOUT_SECONDS * 1000),
    },
    limits: {
      parameters: raw.MAX_PARAMETERS,
      layers: raw.MAX_LAYERS,
      units: raw.MAX_UNITS,
      epochs: raw.MAX_EPOCHS,
      work: raw.MAX_WORK,
      datasetRows: raw.MAX_DATASET_ROWS,
      datasetColumns: raw.MAX_DATASET_COLUMNS,
      datasetBytes: raw.MAX_DATASET_BYTES,
    },
  };
}

/** `sqlite:relative/or/absolute.db` (relative to the working directory) or `sqlite::memory:`. */
function sqlitePath(url: string): string {
  const path = url.slice('sqlite:'.length);
  return path === ':memory:' ? path : resolve(path);
}
