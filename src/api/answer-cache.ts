import type { FastifyReply } from 'fastify';

/**
 * Serialized answers of the hottest read routes (a job's status, a page of its history), reused
 * while the database is unchanged. Clients poll these routes many times a second; reading,
 * decoding and serializing the same row for each poll cost more than the rest of answering it.
 *
 * Correctness rests on the store's change stamp, which moves on every committed write from any
 * connection (see Store.changeStamp): an answer built at one stamp is only handed out while the
 * stamp is still that one, so a poll never sees older data than a read of the row would. A
 * store without a cheap stamp (PostgreSQL) has every answer built afresh.
 */
export class AnswerCache {
  /** The stamp every cached answer was built at; a new one empties the cache. */
  private stamp: string | null = null;
  private readonly answers = new Map<string, string>();
  private bytes = 0;

  constructor(
    private readonly readStamp: () => string | null,
    /** Answers of many different URLs at one stamp are dropped together past this size. */
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {}

  /** The answer under `key` if one is cached and still true, without building one. */
  peek(key: string): string | undefined {
    const stamp = this.readStamp();
    if (stamp === null || stamp !== this.stamp) return undefined;
    return this.answers.get(key);
  }

  /**
   * The answer under `key` (which must name everything the answer depends on, tenant included),
   * from the cache or from `build`. Errors of `build` (a 404) are not cached.
   */
  async answer(key: string, build: () => Promise<string>): Promise<string> {
    const stamp = this.readStamp();
    if (stamp === null) return build();
    if (stamp !== this.stamp) this.reset(stamp);
    const cached = this.answers.get(key);
    if (cached !== undefined) return cached;

    const built = await build();

    // A write may have committed while the answer was being built: it is then kept only if it
    // was built after that write, which the unchanged stamp proves.
    if (this.readStamp() !== stamp || this.stamp !== stamp) return built;
    if (this.bytes + built.length > this.maxBytes) this.reset(stamp);
    this.answers.set(key, built);
    this.bytes += built.length;
    return built;
  }

  private reset(stamp: string): void {
    this.stamp = stamp;
    this.answers.clear();
    this.bytes = 0;
  }
}

/**
 * A cache key naming every part an answer depends on, unambiguously: path parameters may hold
 * any character (an id with an encoded newline must not name another route's answer).
 */
export function answerKey(...parts: (string | number)[]): string {
  return JSON.stringify(parts);
}

/** Sends JSON that is already serialized (an answer from the cache), bypassing the serializer. */
export function sendSerialized(reply: FastifyReply, body: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(body);
}
