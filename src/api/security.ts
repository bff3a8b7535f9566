import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { RateLimitedError } from '../errors.js';
import { ApiKeyAuthenticator, OPEN_TENANT } from './authentication.js';

/**
 * Whether a request URL (its query string included) is one of the paths that serve clients'
 * data: they need a key (when keys are set) and are rate limited.
 */
export function isApiPath(url: string): boolean {
  return url.startsWith('/v1') && (url.length === 3 || url[3] === '/' || url[3] === '?');
}

/**
 * Who may do what: API keys mapped to tenants (every /v1 route, and /metrics if configured,
 * requires one when keys are set), rate limits per key, security headers, and CORS (off unless
 * origins are configured). /healthz, /readyz, /docs and /openapi.json stay open.
 */
export async function registerSecurity(app: FastifyInstance, config: Config): Promise<void> {
  const authenticator = new ApiKeyAuthenticator(config.apiKeys);
  const openTenant = authenticator.isOpen ? OPEN_TENANT : '';

  // helmet rebuilds its headers (the policy string above all) on every response; computed once,
  // the same headers cost a fraction of that on each of them. Pages (the dashboard, the docs)
  // get them all; JSON answers of the API, which no browser renders as a page, get the short
  // policy an API needs (load nothing, frame nowhere) and nosniff: the page headers would double
  // the size of a poll's answer for nothing.
  const pageHeaders = await securityHeaders();
  const apiHeaders = {
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  };

  // One synchronous hook for the tenant and the headers: it runs for every poll, and an async
  // hook costs a promise and a trip through the microtask queue per request.
  app.addHook('onRequest', (request, reply, done) => {
    const { url } = request;
    const isApi = isApiPath(url);
    reply.headers(isApi ? apiHeaders : pageHeaders);
    if (isApi || (config.metricsRequireKey && url.startsWith('/metrics'))) {
      try {
        const identity = authenticator.identify(request);
        request.tenant = identity.tenant;
        request.apiKeyId = identity.keyId;
      } catch (error) {
        done(error as Error);
        return;
      }
    } else {
      request.tenant = openTenant;
    }
    done();
  });

  if (config.corsOrigins.length > 0) {
    await app.register(fastifyCors, {
      origin: [...config.corsOrigins],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'last-event-id'],
      exposedHeaders: ['location', 'retry-after', 'idempotent-replayed'],
      maxAge: 600,
    });
  }

  // Limits are per API key: an open service (no keys, so bound to one machine by default) has
  // no one to tell apart, and a local dashboard or poller should not be throttled.
  if (config.rateLimitPerMinute > 0 && !authenticator.isOpen) {
    await app.register(fastifyRateLimit, {
      global: true,
      // After the onRequest hook above, which identifies the key's owner, and before any
      // preValidation hook, where a poll may be answered from a cache (see routes/jobs.ts).
      hook: 'onRequest',
      max: config.rateLimitPerMinute,
      timeWindow: 60_000,
      allowList: (request: FastifyRequest) => !isApiPath(request.url),
      keyGenerator: (request: FastifyRequest) => request.apiKeyId,
      errorResponseBuilder: (_request, context) =>
        new RateLimitedError(
          `more than ${context.max} requests a minute; retry in ${Math.ceil(context.ttl / 1000)} s`,
          { headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) } },
        ),
    });
  }
}

/** helmet's options: everything the docs and the dashboard load comes from this origin. */
const HELMET_OPTIONS = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      // WebAssembly (the dashboard's graph renderer) needs wasm-unsafe-eval.
      scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
      // Swagger UI sets inline styles.
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      connectSrc: ["'self'"],
      workerSrc: ["'self'", 'blob:'],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
    },
  },
  crossOriginEmbedderPolicy: false,
};

/** Headers of every HTTP answer, not chosen by helmet. */
const RESPONSE_BASICS = new Set([
  'content-type',
  'content-length',
  'date',
  'connection',
  'keep-alive',
]);

/** The headers @fastify/helmet sets with HELMET_OPTIONS, read once from a probe app. */
async function securityHeaders(): Promise<Record<string, string>> {
  const probe = Fastify();
  await probe.register(fastifyHelmet, HELMET_OPTIONS);
  probe.get('/', async () => 'probe');
  const response = await probe.inject({ method: 'GET', url: '/' });
  await probe.close();
  return Object.fromEntries(
    Object.entries(response.headers)
      .filter(([name]) => !RESPONSE_BASICS.has(name))
      .map(([name, value]) => [name, String(value)]),
  );
}
