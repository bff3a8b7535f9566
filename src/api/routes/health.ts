import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ServiceUnavailableError, toError } from '../../errors.js';
import type { ApiContext } from '../context.js';
import { problemResponses } from '../schemas/common.js';

/** Liveness and readiness, for orchestrators and load balancers. */
export function healthRoutes(context: ApiContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          tags: ['operations'],
          summary: 'The process is alive',
          security: [],
          response: { 200: z.object({ status: z.literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          tags: ['operations'],
          summary: 'The database and the worker pool are usable',
          security: [],
          response: {
            200: z.object({
              status: z.literal('ready'),
              database: z.string(),
              workers: z.number().int(),
            }),
            ...problemResponses([503]),
          },
        },
      },
      async () => {
        try {
          await context.store.ping();
        } catch (error) {
          throw new ServiceUnavailableError('the database does not answer', {
            cause: toError(error),
          });
        }
        if (!context.isPoolUsable())
          throw new ServiceUnavailableError('the training worker pool is not usable');
        return {
          status: 'ready' as const,
          database: context.store.kind,
          workers: context.config.workers,
        };
      },
    );
  };
}
