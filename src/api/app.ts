import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiContext } from './context.js';
import { registerErrorHandler } from './error-handler.js';
import { registerOpenApi } from './openapi.js';
import { OneLineRequestLog } from './request-log.js';
import { datasetRoutes } from './routes/datasets.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { networkRoutes } from './routes/networks.js';

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
    forceCloseConnections: 'idle',
    logController: new OneLineRequestLog(),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // Responses are built by typed presenters; validating them again on the hot path buys nothing.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.decorateRequest('tenant', '');
  app.addHook('onRequest', async (request) => {
    request.tenant = 'default';
  });

  registerParsers(app);
  registerErrorHandler(app);
  await registerOpenApi(app);

  await app.register(healthRoutes(context));
  await app.register(datasetRoutes(context));
  await app.register(networkRoutes(context));
  await app.register(jobRoutes(context));
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
      done(Object.assign(new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), { statusCode: 400 }), undefined);
      return;
    }
    try {
      // Keys such as __proto__ and constructor are refused: they could pollute prototypes. The
      // reviver that finds them makes parsing several times slower, so it only runs when the
      // text contains one of the words or an escape that could spell one (a dataset has neither).
      done(null, RISKY_KEY_WORD.test(text) ? JSON.parse(text, refuseRiskyKeys) : JSON.parse(text));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  });
}

const RISKY_KEY_WORD = /__proto__|constructor|prototype|\\u/;

function refuseRiskyKeys(key: string, value: unknown): unknown {
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
      if (char === 92) i++; // backslash: skip the escaped character
      else if (char === 34) inString = false;
    } else if (char === 34) inString = true;
    else if (char === 91 || char === 123) {
      if (++depth > deepest) deepest = depth;
    } else if (char === 93 || char === 125) depth--;
  }
  return deepest;
}
