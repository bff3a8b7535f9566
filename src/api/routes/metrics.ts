import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceMetrics } from '../../metrics/service-metrics.js';

/** Requests that matched no route share one label, so unknown URLs cannot grow the series. */
const UNMATCHED_ROUTE = '(unmatched)';

/**
 * GET /metrics (Prometheus text), and the hook that times every request by route pattern.
 * The hook must see the requests of every route, so this plugin is not encapsulated.
 */
export function metricsRoutes(metrics: ServiceMetrics): FastifyPluginAsyncZod {
  const plugin: FastifyPluginAsyncZod = async (app) => {
    // Synchronous: it runs after every poll, and an async hook costs a promise each time.
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
      metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    app.addHook('onClose', async () => metrics.close());

    app.get(
      '/metrics',
      {
        schema: {
          tags: ['operations'],
          summary: 'Prometheus metrics',
          description:
            'Jobs per status, queue depth, epochs trained, job durations, HTTP request durations ' +
            'by route and status, busy and idle training threads, open event streams, and the ' +
            'process (CPU, memory, event loop, GC), in the Prometheus text format 0.0.4.',
          response: {
            200: {
              description: 'Prometheus text exposition.',
              content: {
                'text/plain': {
                  schema: z.string().meta({ examples: ['chainrule_queue_depth 0\n'] }),
                },
              },
            },
          },
        },
      },
      async (_request, reply) => {
        const text = await metrics.render();
        return reply.header('content-type', metrics.contentType).send(text);
      },
    );
  };
  // Fastify's documented opt-out of encapsulation (what fastify-plugin sets): the hook above
  // then applies to the whole app.
  Object.assign(plugin, { [Symbol.for('skip-override')]: true });
  return plugin;
}
