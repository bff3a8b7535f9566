-- The same tables as migrations/sqlite/0001, in PostgreSQL types. Float64 values are BYTEA
-- (little-endian, row-major, as in SQLite), stored uncompressed out of line: float bits do not
-- compress, so compressing them only costs time. Times are TIMESTAMPTZ; leases stay in ms.

CREATE TABLE datasets (
  seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id           TEXT NOT NULL UNIQUE,
  tenant       TEXT NOT NULL,
  name         TEXT,
  rows         INTEGER NOT NULL,
  input_size   INTEGER NOT NULL,
  target_size  INTEGER NOT NULL,
  inputs       BYTEA NOT NULL,
  targets      BYTEA NOT NULL,
  sha256       TEXT NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL
);
ALTER TABLE datasets ALTER COLUMN inputs SET STORAGE EXTERNAL, ALTER COLUMN targets SET STORAGE EXTERNAL;
CREATE INDEX datasets_by_tenant ON datasets (tenant, seq);

-- Definitions are JSON (not JSONB), which keeps the text exactly as written.
CREATE TABLE networks (
  seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id               TEXT NOT NULL UNIQUE,
  tenant           TEXT NOT NULL,
  definition       JSON NOT NULL,
  parameter_count  INTEGER NOT NULL,
  created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX networks_by_tenant ON networks (tenant, seq);

-- One row per job. `attempts` counts claims; `failures` counts attempts lost to a crash, which
-- is what max-attempts limits. `lease_owner` and `lease_expires_at` (ms since epoch) belong to
-- the process that runs the job; every write of a running job is fenced by `attempts`.
CREATE TABLE jobs (
  seq               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id                TEXT NOT NULL UNIQUE,
  tenant            TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  cancel_requested  BOOLEAN NOT NULL DEFAULT false,
  network           JSON NOT NULL,
  network_id        TEXT,
  dataset_id        TEXT NOT NULL,
  training          JSON NOT NULL,
  initial_model     BYTEA,
  epochs            INTEGER NOT NULL,
  epoch             INTEGER NOT NULL DEFAULT 0,
  cost              DOUBLE PRECISION,
  validation_cost   DOUBLE PRECISION,
  best_epoch        INTEGER,
  stop_reason       TEXT,
  error_code        TEXT,
  error_message     TEXT,
  attempts          INTEGER NOT NULL DEFAULT 0,
  failures          INTEGER NOT NULL DEFAULT 0,
  lease_owner       TEXT,
  lease_expires_at  BIGINT,
  model             BYTEA,
  model_epoch       INTEGER,
  model_cost        DOUBLE PRECISION,
  created_at        TIMESTAMPTZ NOT NULL,
  started_at        TIMESTAMPTZ,
  finished_at       TIMESTAMPTZ
);
ALTER TABLE jobs ALTER COLUMN initial_model SET STORAGE EXTERNAL, ALTER COLUMN model SET STORAGE EXTERNAL;
CREATE INDEX jobs_by_tenant ON jobs (tenant, seq);
CREATE INDEX jobs_by_tenant_status ON jobs (tenant, status, seq);
CREATE INDEX jobs_by_dataset ON jobs (dataset_id, status);
-- What the claim reads: the queue in order, and running jobs by lease.
CREATE INDEX jobs_queued ON jobs (tenant, seq) WHERE status = 'queued';
CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE status = 'running';

-- Every epoch of every job, once: the key makes a replayed epoch replace its row.
CREATE TABLE job_history (
  job_id               TEXT NOT NULL,
  epoch                INTEGER NOT NULL,
  cost                 DOUBLE PRECISION NOT NULL,
  validation_cost      DOUBLE PRECISION,
  accuracy             DOUBLE PRECISION,
  validation_accuracy  DOUBLE PRECISION,
  gradient_norms       JSON NOT NULL,
  elapsed_ms           DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (job_id, epoch)
);

-- The newest checkpoint of a job: the engine's complete state at an epoch boundary.
CREATE TABLE job_checkpoints (
  job_id      TEXT PRIMARY KEY,
  epoch       INTEGER NOT NULL,
  state       BYTEA NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL
);
ALTER TABLE job_checkpoints ALTER COLUMN state SET STORAGE EXTERNAL;

-- A POST repeated with the same Idempotency-Key returns the first response.
CREATE TABLE idempotency_keys (
  tenant         TEXT NOT NULL,
  scope          TEXT NOT NULL,
  key            TEXT NOT NULL,
  request_hash   TEXT NOT NULL,
  status_code    INTEGER NOT NULL,
  response_body  TEXT NOT NULL,
  location       TEXT,
  created_at     TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (tenant, scope, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
