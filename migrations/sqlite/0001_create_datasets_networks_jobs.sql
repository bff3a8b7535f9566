-- Datasets hold their values as little-endian float64 blobs, row-major, never as JSON text.
CREATE TABLE datasets (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  tenant       TEXT NOT NULL,
  name         TEXT,
  rows         INTEGER NOT NULL,
  input_size   INTEGER NOT NULL,
  target_size  INTEGER NOT NULL,
  inputs       BLOB NOT NULL,
  targets      BLOB NOT NULL,
  sha256       TEXT NOT NULL,
  created_at   TEXT NOT NULL
);
CREATE INDEX datasets_by_tenant ON datasets (tenant, seq);

CREATE TABLE networks (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  id               TEXT NOT NULL UNIQUE,
  tenant           TEXT NOT NULL,
  definition       TEXT NOT NULL,
  parameter_count  INTEGER NOT NULL,
  created_at       TEXT NOT NULL
);
CREATE INDEX networks_by_tenant ON networks (tenant, seq);

-- One row per job. `attempts` counts claims; `failures` counts attempts lost to a crash, which
-- is what max-attempts limits. `lease_owner` and `lease_expires_at` (ms since epoch) belong to
-- the process that runs the job; every write of a running job is fenced by `attempts`.
CREATE TABLE jobs (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  id                TEXT NOT NULL UNIQUE,
  tenant            TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  cancel_requested  INTEGER NOT NULL DEFAULT 0,
  network           TEXT NOT NULL,
  network_id        TEXT,
  dataset_id        TEXT NOT NULL,
  training          TEXT NOT NULL,
  initial_model     BLOB,
  epochs            INTEGER NOT NULL,
  epoch             INTEGER NOT NULL DEFAULT 0,
  cost              REAL,
  validation_cost   REAL,
  best_epoch        INTEGER,
  stop_reason       TEXT,
  error_code        TEXT,
  error_message     TEXT,
  attempts          INTEGER NOT NULL DEFAULT 0,
  failures          INTEGER NOT NULL DEFAULT 0,
  lease_owner       TEXT,
  lease_expires_at  INTEGER,
  model             BLOB,
  model_epoch       INTEGER,
  model_cost        REAL,
  created_at        TEXT NOT NULL,
  started_at        TEXT,
  finished_at       TEXT
);
CREATE INDEX jobs_by_tenant ON jobs (tenant, seq);
CREATE INDEX jobs_by_tenant_status ON jobs (tenant, status, seq);
CREATE INDEX jobs_runnable ON jobs (status, seq);
CREATE INDEX jobs_by_dataset ON jobs (dataset_id, status);

-- Every epoch of every job, once: the key makes a replayed epoch replace its row.
CREATE TABLE job_history (
  job_id               TEXT NOT NULL,
  epoch                INTEGER NOT NULL,
  cost                 REAL NOT NULL,
  validation_cost      REAL,
  accuracy             REAL,
  validation_accuracy  REAL,
  gradient_norms       TEXT NOT NULL,
  elapsed_ms           REAL NOT NULL,
  PRIMARY KEY (job_id, epoch)
) WITHOUT ROWID;

-- The newest checkpoint of a job: the engine's complete state at an epoch boundary.
CREATE TABLE job_checkpoints (
  job_id      TEXT PRIMARY KEY,
  epoch       INTEGER NOT NULL,
  state       BLOB NOT NULL,
  created_at  TEXT NOT NULL
);

-- A POST repeated with the same Idempotency-Key returns the first response.
CREATE TABLE idempotency_keys (
  tenant         TEXT NOT NULL,
  scope          TEXT NOT NULL,
  key            TEXT NOT NULL,
  request_hash   TEXT NOT NULL,
  status_code    INTEGER NOT NULL,
  response_body  TEXT NOT NULL,
  location       TEXT,
  created_at     TEXT NOT NULL,
  PRIMARY KEY (tenant, scope, key)
);
