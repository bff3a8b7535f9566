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
  private readonly digests: { tenant: string; keyId: string; digest: Buffer }[];

  constructor(keys: readonly ApiKey[]) {
    this.digests = keys.map(({ tenant, key }, index) => ({
      tenant,
      keyId: `key${index + 1}`,
      digest: digestOf(key),
    }));
  }

  get isOpen(): boolean {
    return this.digests.length === 0;
  }

  /** The tenant the request acts for; throws UnauthorizedError without a valid key. */
  tenantOf(request: FastifyRequest): string {
    return this.identify(request).tenant;
  }

  /**
   * The tenant and which configured key (`key1`, `key2`, … in configuration order, never the key
   * itself) the request presents; throws UnauthorizedError without a valid key.
   */
  identify(request: FastifyRequest): { tenant: string; keyId: string } {
    if (this.isOpen) return { tenant: OPEN_TENANT, keyId: 'open' };

    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new UnauthorizedError('send an API key as Authorization: Bearer <key>', {
        headers: CHALLENGE,
      });
    }
    const presented = digestOf(match[1]);
    let found: { tenant: string; keyId: string } | undefined;
    for (const entry of this.digests) {
      if (timingSafeEqual(presented, entry.digest) && found === undefined) found = entry;
    }
    if (found === undefined)
      throw new UnauthorizedError('the API key is not valid', { headers: CHALLENGE });
    return { tenant: found.tenant, keyId: found.keyId };
  }
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="chainrule"' };

function digestOf(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
