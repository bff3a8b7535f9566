import { bufferToFloat64, decodeLayers } from '../codec.js';
import type { JobRecord } from '../records.js';
import { statusChange, type ClaimedJob, type ClaimOptions } from '../store.js';
import { readBlob, type BlobColumn, type Transaction } from './database.js';
import { fromJobRow } from './job-rows.js';
import {
  claimJob,
  closeAttempt,
  failExpired,
  lockNextExpired,
  lockNextQueued,
} from './job-statements.js';

/**
 * The body of a claim's transaction: takes over the oldest expired lease, or else the next
 * queued job (rows locked with SKIP LOCKED, so replicas claim different jobs), and reads
 * everything its worker needs before the commit. Every status it changes is notified from
 * inside the transaction, on behalf of the store named `origin`.
 */
export async function claimInTransaction(
  tx: Transaction,
  options: ClaimOptions,
  origin: string,
): Promise<ClaimedJob | null> {
  for (;;) {
    const expired = await lockNextExpired(tx, options.now);
    const candidate = expired?.id ?? (await lockNextQueued(tx));
    if (!candidate) return null;

    // An expired lease means the owner died mid-attempt: that attempt counts as a failure.
    if (expired) await closeAttempt(tx, expired.id, expired.attempts, 'lease_expired');
    if (expired && expired.failures + 1 >= options.maxAttempts) {
      await failExpired(
        tx,
        expired.id,
        expired.attempts,
        `the job's runner stopped responding ${expired.failures + 1} times`,
        options.startedAt,
      );
      tx.notify(statusChange(expired.id, 'failed', origin, 'leaseExpired'));
      continue;
    }

    const job = fromJobRow(
      await claimJob(tx, candidate, {
        owner: options.owner,
        expiresAt: options.now + options.leaseMs,
        startedAt: options.startedAt,
        tookOverExpired: expired !== null,
      }),
    );
    tx.notify(statusChange(job.id, 'running', origin));
    // Read in the claiming transaction: if this fails, the claim is undone with it.
    return loadClaimed(tx, job);
  }
}

/**
 * Everything a worker needs for a claimed job (dataset, newest checkpoint, initial weights) in
 * one query; a blob too large to arrive in one piece is then read in slices.
 */
async function loadClaimed(tx: Transaction, job: JobRecord): Promise<ClaimedJob> {
  const [row] = await tx.query<ClaimPayloadRow>(CLAIM_PAYLOAD, [job.id, INLINE_BLOB_BYTES]);
  if (!row) throw new Error(`dataset ${job.datasetId} of job ${job.id} is missing`);
  const blob = async (
    length: number | null,
    bytes: Buffer | null,
    where: BlobColumn,
    key: string,
  ) => (length === null ? null : (bytes ?? (await readBlob(tx, where, key))));
  const inputs = await blob(
    row.inputs_length,
    row.inputs,
    { table: 'datasets', column: 'inputs', key: 'id' },
    job.datasetId,
  );
  const targets = await blob(
    row.targets_length,
    row.targets,
    { table: 'datasets', column: 'targets', key: 'id' },
    job.datasetId,
  );
  const initial = await blob(
    row.initial_length,
    row.initial_model,
    { table: 'jobs', column: 'initial_model', key: 'id' },
    job.id,
  );
  const state = await blob(
    row.checkpoint_length,
    row.checkpoint_state,
    { table: 'job_checkpoints', column: 'state', key: 'job_id' },
    job.id,
  );
  return {
    job,
    dataset: {
      inputs: bufferToFloat64(inputs!),
      targets: bufferToFloat64(targets!),
      rows: row.rows,
      inputSize: row.input_size,
      targetSize: row.target_size,
    },
    checkpoint: state ? { epoch: row.checkpoint_epoch!, state: new Uint8Array(state) } : null,
    initialModel: initial ? decodeLayers(initial) : null,
  };
}

/** Blobs up to this size come with the claim's one query; larger ones are read in slices. */
const INLINE_BLOB_BYTES = 8 * 1024 * 1024;

interface ClaimPayloadRow {
  rows: number;
  input_size: number;
  target_size: number;
  inputs_length: number;
  inputs: Buffer | null;
  targets_length: number;
  targets: Buffer | null;
  initial_length: number | null;
  initial_model: Buffer | null;
  checkpoint_epoch: number | null;
  checkpoint_length: number | null;
  checkpoint_state: Buffer | null;
}

const inline = (column: string) => `CASE WHEN octet_length(${column}) <= $2 THEN ${column} END`;
const CLAIM_PAYLOAD = `
  SELECT d.rows, d.input_size, d.target_size,
         octet_length(d.inputs) AS inputs_length, ${inline('d.inputs')} AS inputs,
         octet_length(d.targets) AS targets_length, ${inline('d.targets')} AS targets,
         octet_length(j.initial_model) AS initial_length,
         ${inline('j.initial_model')} AS initial_model,
         c.epoch AS checkpoint_epoch, octet_length(c.state) AS checkpoint_length,
         ${inline('c.state')} AS checkpoint_state
    FROM jobs j
    JOIN datasets d ON d.id = j.dataset_id
    LEFT JOIN job_checkpoints c ON c.job_id = j.id
   WHERE j.id = $1`;
