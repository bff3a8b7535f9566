-- One row per attempt of a job: who claimed it, when, and how the attempt ended. The row is
-- opened by the claim and closed in the same transaction as whatever ends the attempt (finish,
-- release, or another replica taking over an expired lease). Times come from the database
-- clock (clock_timestamp()), one clock for every replica, so attempts can be compared.
CREATE TABLE job_attempts (
  job_id      TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  owner       TEXT NOT NULL,
  started_at  TIMESTAMPTZ NOT NULL,
  ended_at    TIMESTAMPTZ,
  outcome     TEXT CHECK (outcome IN ('succeeded', 'failed', 'cancelled', 'suspended', 'crashed', 'lease_expired')),
  PRIMARY KEY (job_id, attempt)
);
