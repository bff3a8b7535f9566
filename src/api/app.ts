import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiContext } from './context.js';
import { registerErrorHandler, sendProblem, toAppError } from './error-handler.js';
import { JobEventHub } from './events/job-event-hub.js';
import { parseJsonText } from './json-text.js';
import { OFF_THREAD_BODY_BYTES, ParserThread } from './parser-thread.js';
import { registerOpenApi } from './openapi.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { registerSecurity } from './security.js';
import { deferredRequestLogger, OneLineRequestLog } from './request-log.js';
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
    childLoggerFactory: deferredRequestLogger,
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

  // Large bodies are parsed on a thread of their own; it ends with the app.
  const parserThread = new ParserThread();
  app.addHook('onClose', () => parserThread.close());
  registerParsers(app, parserThread);
  registerErrorHandler(app);
  await registerSecurity(app, context.config);
  await registerOpenApi(app);

  await app.register(healthRoutes(context));
  await app.register(metricsRoutes(metrics));
  await app.register(datasetRoutes(context, parserThread));
  await app.register(networkRoutes(context));
  await app.register(jobRoutes(context));
  await app.register(modelRoutes(context));
  await app.register(exportRoutes(context));
  await app.register(gradientRoutes(context));
  await app.register(jobEventRoutes(context, eventHub));
  await app.register(dashboardRoutes());
  return app;
}

function registerParsers(app: FastifyInstance, parserThread: ParserThread): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);

  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length >= OFF_THREAD_BODY_BYTES) {
      parserThread.parseJson(bytes).then(
        (value) => done(null, value),
        (error: Error) => done(error, undefined),
      );
      return;
    }
    try {
      done(null, parseJsonText(bytes.toString('utf8')));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
