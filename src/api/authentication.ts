import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ApiKey } from '../config.js';
import { UnauthorizedError } from '../errors.js';

/** The tenant of a request when no API keys are configured and the API is open. */
export const OPEN_TENANT = 'default';

/**
 * Resolves the tenant of a request from its `Authorization: Bearer <key>` header. Keys are kept
 * only as SHA-256 digests and the presented key is compared with every one of them through
 * timingSafeEqual, so neither the position of a match nor a key's length shows in the timing.
 */
export class ApiKeyAuthenticator {
  private readonly digests: { tenant: string; digest: Buffer }[];

  constructor(keys: readonly ApiKey[]) {
    this.digests = keys.map(({ tenant, key }) => ({ tenant, digest: digestOf(key) }));
  }

  get isOpen(): boolean {
    return this.digests.length === 0;
  }

  /** The tenant the request acts for; throws UnauthorizedError without a valid key. */
  tenantOf(request: FastifyRequest): string {
    if (this.isOpen) return OPEN_TENANT;

    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new UnauthorizedError('send an API key as Authorization: Bearer <key>', { headers: CHALLENGE });
    }
    const presented = digestOf(match[1]);
    let tenant: string | undefined;
    for (const entry of this.digests) {
      if (timingSafeEqual(presented, entry.digest) && tenant === undefined) tenant = entry.tenant;
    }
    if (tenant === undefined) throw new UnauthorizedError('the API key is not valid', { headers: CHALLENGE });
    return tenant;
  }
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="chainrule"' };

function digestOf(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
