import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiContext } from './context.js';
import { registerErrorHandler, sendProblem, toAppError } from './error-handler.js';
import { JobEventHub } from './events/job-event-hub.js';
import { registerOpenApi } from './openapi.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { registerSecurity } from './security.js';
import { OneLineRequestLog } from './request-log.js';
import { datasetRoutes } from './routes/datasets.js';
import { healthRoutes } from './routes/health.js';
import { jobEventRoutes } from './routes/job-events.js';
import { jobRoutes } from './routes/jobs.js';
import { metricsRoutes } from './routes/metrics.js';
import { networkRoutes } from './routes/networks.js';
// Imported after the routes above so that their schemas keep their place in the OpenAPI document.
import { modelRoutes } from './routes/models.js';
import { exportRoutes } from './routes/exports.js';
import { gradientRoutes } from './routes/gradients.js';
import { ServiceMetrics } from '../metrics/service-metrics.js';

/** JSON nested deeper than this is refused before parsing: no dataset needs more than 3 levels. */
const MAX_JSON_DEPTH = 64;

/**
 * Assembles the HTTP API: parsers, validation, OpenAPI and Swagger UI, the error handler and
 * every route. The caller owns the store, the dispatcher and the listening socket.
 */
export async function buildApp(context: ApiContext) {
  const app = Fastify({
    loggerInstance: context.logger as FastifyBaseLogger,
    bodyLimit: context.config.bodyLimitBytes,
    // Request ids let a log line be tied to its request; clients may pass their own.
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    // Errors the router raises before any route runs (bad percent-encoding, overlong ids) get
    // the same problem+json answers as everything else.
    frameworkErrors: (error, request, reply) => sendProblem(request, reply, toAppError(error)),
    forceCloseConnections: 'idle',
    logController: new OneLineRequestLog(),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // Responses are built by typed presenters; validating them again on the hot path buys nothing.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.decorateRequest('tenant', '');
  app.decorateRequest('apiKeyId', '');

  const { store, events, logger } = context;
  const eventHub = new JobEventHub({ store, events, logger });
  const metrics = new ServiceMetrics({
    store,
    events,
    workers: context.workers,
    eventStreams: () => eventHub.streamCount,
  });
  // Open event streams would keep the server from closing: they end before it closes.
  app.addHook('preClose', () => eventHub.close());

  registerParsers(app);
  registerErrorHandler(app);
  await registerSecurity(app, context.config);
  await registerOpenApi(app);

  await app.register(healthRoutes(context));
  await app.register(metricsRoutes(metrics));
  await app.register(datasetRoutes(context));
  await app.register(networkRoutes(context));
  await app.register(jobRoutes(context));
  await app.register(modelRoutes(context));
  await app.register(exportRoutes(context));
  await app.register(gradientRoutes(context));
  await app.register(jobEventRoutes(context, eventHub));
  await app.register(dashboardRoutes());
  return app;
}

function registerParsers(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);

  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.length === 0) {
      done(Object.assign(new Error('the JSON body is empty'), { statusCode: 400 }), undefined);
      return;
    }
    if (nestingDepth(text) > MAX_JSON_DEPTH) {
      done(
        Object.assign(new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), {
          statusCode: 400,
        }),
        undefined,
      );
      return;
    }
    try {
      // Keys such as __proto__ and constructor are refused: they could pollute prototypes. A key
      // can only decode to one of them if the text spells the name or holds a \u escape, so
      // bodies with neither (number-heavy data, nearly always) skip the reviver, which would
      // otherwise run for every number and make parsing about 2.5× slower.
      const mayHoldForbiddenKey = /__proto__|constructor|prototype|\\u/.test(text);
      done(null, mayHoldForbiddenKey ? JSON.parse(text, refuseForbiddenKeys) : JSON.parse(text));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  });
}

function refuseForbiddenKeys(key: string, value: unknown): unknown {
  if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
    throw Object.assign(new SyntaxError(`the key "${key}" is not allowed`), { statusCode: 400 });
  }
  return value;
}

/** The deepest bracket nesting outside strings, found in one pass without parsing. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 92)
        i++; // backslash: skip the escaped character
      else if (char === 34) inString = false;
    } else if (char === 34) inString = true;
    else if (char === 91 || char === 123) {
      if (++depth > deepest) deepest = depth;
    } else if (char === 93 || char === 125) depth--;
  }
  return deepest;
}
