-- One row per attempt of a job: who claimed it, when, and how the attempt ended. The row is
-- opened by the claim and closed in the same transaction as whatever ends the attempt (finish,
-- release, or another process taking over an expired lease), so attempts never overlap.
CREATE TABLE job_attempts (
  job_id      TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  owner       TEXT NOT NULL,
  started_at  TEXT NOT NULL,
  ended_at    TEXT,
  outcome     TEXT CHECK (outcome IN ('succeeded', 'failed', 'cancelled', 'suspended', 'crashed', 'lease_expired')),
  PRIMARY KEY (job_id, attempt)
) WITHOUT ROWID;
