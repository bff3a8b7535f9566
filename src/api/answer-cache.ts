import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Serialized answers of the hottest read routes (a job's status, a page of its history), reused
 * while the database is unchanged. Clients poll these routes many times a second; reading,
 * decoding and serializing the same row for each poll cost more than the rest of answering it.
 *
 * Correctness rests on the store's change stamp, which moves on every committed write from any
 * connection (see Store.changeStamp): an answer built at one stamp is only handed out while the
 * stamp is still that one, so a poll never sees older data than a read of the row at the start
 * of the turn of the event loop that received it would. A store without a cheap stamp
 * (PostgreSQL) has every answer built afresh.
 */
export class AnswerCache {
  /** The stamp every cached answer was built at; a new one empties the cache. */
  private stamp: string | null = null;
  private readonly answers = new Map<string, Answer>();
  private bytes = 0;

  constructor(
    private readonly readStamp: () => string | null,
    /** Answers of many different URLs at one stamp are dropped together past this size. */
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {}

  /** The answer under `key` if one is cached and still true, without building one. */
  peek(key: string): Answer | undefined {
    const stamp = this.readStamp();
    if (stamp === null || stamp !== this.stamp) return undefined;
    return this.answers.get(key);
  }

  /**
   * The answer under `key` (which must name everything the answer depends on, tenant included),
   * from the cache or from `build`. Errors of `build` (a 404) are not cached.
   */
  async answer(key: string, build: () => Promise<string>): Promise<Answer> {
    const stamp = this.readStamp();
    if (stamp === null) return toAnswer(await build());
    if (stamp !== this.stamp) this.reset(stamp);
    const cached = this.answers.get(key);
    if (cached !== undefined) return cached;

    const built = toAnswer(await build());

    // A write may have committed while the answer was being built: it is then kept only if it
    // was built after that write, which the unchanged stamp proves.
    if (this.readStamp() !== stamp || this.stamp !== stamp) return built;
    if (this.bytes + built.body.length > this.maxBytes) this.reset(stamp);
    this.answers.set(key, built);
    this.bytes += built.body.length;
    return built;
  }

  private reset(stamp: string): void {
    this.stamp = stamp;
    this.answers.clear();
    this.bytes = 0;
  }
}

/**
 * The cache key of a tenant's answer to a URL (as the client sent it: the answer depends on
 * nothing else), unambiguous whatever characters either holds: the tenant's length leads, so
 * no other pair of strings makes the same key. Built on every poll; JSON of the pair cost 1 µs.
 */
export function answerKey(tenant: string, url: string): string {
  return `${tenant.length}:${tenant}${url}`;
}

/** A serialized answer and its entity tag, which names its exact bytes. */
export interface Answer {
  readonly body: string;
  readonly etag: string;
}

/** The answer with its entity tag, computed once per built answer (never per cached poll). */
export function toAnswer(body: string): Answer {
  return { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}

/**
 * Sends a serialized answer, bypassing the serializer, with its ETag. A client that names that
 * tag in If-None-Match already holds these bytes: it gets 304 without a body. Cache-Control:
 * no-cache lets caches keep the answer but makes them ask before every reuse, so that a poll
 * never sees a stale job.
 */
export function sendAnswer(
  request: FastifyRequest,
  reply: FastifyReply,
  answer: Answer,
): FastifyReply {
  reply.headers({ etag: answer.etag, 'cache-control': 'no-cache' });
  if (matchesEntityTag(request.headers['if-none-match'], answer.etag)) {
    return reply.code(304).send();
  }
  return reply.type('application/json; charset=utf-8').send(answer.body);
}

/**
 * If-None-Match's weak comparison (RFC 9110, 13.1.2): `*`, or a list of tags one of which has
 * the same opaque value, with or without the weak marker `W/`.
 */
export function matchesEntityTag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  for (const candidate of ifNoneMatch.split(',')) {
    const tag = candidate.trim();
    if ((tag.startsWith('W/') ? tag.slice(2) : tag) === etag) return true;
  }
  return false;
}
