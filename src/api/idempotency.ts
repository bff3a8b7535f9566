import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IdempotencyConflictError } from '../errors.js';
import type {
  IdempotencyRecord,
  IdempotentWrite,
  Store,
  StoredResponse,
} from '../storage/store.js';
import { IdempotencyKeyUsedError } from '../storage/store.js';

/**
 * Runs an idempotent POST: with an Idempotency-Key header, a repeat of the same request (same
 * scope, same canonical body) gets the stored first response; the same key with a different
 * body is 409 IDEMPOTENCY_CONFLICT. The record is written by `create` in the same transaction
 * as the resource, so a crash can never leave one without the other.
 */
export async function runIdempotent<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  store: Store,
  scope: string,
  render: (record: T) => StoredResponse,
  create: (write: IdempotentWrite<T> | undefined) => Promise<T>,
): Promise<void> {
  const header = request.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (!key) {
    send(reply, render(await create(undefined)), false);
    return;
  }

  const requestHash = hashRequest(request);
  const existing = await store.idempotency.find(request.tenant, scope, key);
  if (existing) {
    send(reply, replayOrConflict(existing, requestHash), true);
    return;
  }
  try {
    const record = await create({ tenant: request.tenant, scope, key, requestHash, render });
    send(reply, render(record), false);
  } catch (error) {
    // Another request with this key committed first: answer as if we had come second.
    if (error instanceof IdempotencyKeyUsedError) {
      send(reply, replayOrConflict(error.record, requestHash), true);
      return;
    }
    throw error;
  }
}

function replayOrConflict(record: IdempotencyRecord, requestHash: string): StoredResponse {
  if (record.requestHash !== requestHash) {
    throw new IdempotencyConflictError(
      'this Idempotency-Key was already used with a different request body',
    );
  }
  return record;
}

function send(reply: FastifyReply, response: StoredResponse, replayed: boolean): void {
  if (response.location) void reply.header('location', response.location);
  if (replayed) void reply.header('idempotent-replayed', 'true');
  void reply.code(response.statusCode).type('application/json').send(response.body);
}

/**
 * SHA-256 over the content type, query and body with object keys sorted (key order is not
 * meaning).
 */
function hashRequest(request: FastifyRequest): string {
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]
    .trim();
  return createHash('sha256')
    .update(type)
    .update('\n')
    .update(canonicalJson(request.query ?? {}))
    .update('\n')
    .update(typeof request.body === 'string' ? request.body : canonicalJson(request.body))
    .digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      );
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
