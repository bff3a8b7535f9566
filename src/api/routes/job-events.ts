import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import { isWellFormedId } from '../../storage/ids.js';
import type { ApiContext } from '../context.js';
import type { JobEventHub } from '../events/job-event-hub.js';
import { idParamsSchema, problemResponses } from '../schemas/common.js';

const EPOCH_ERROR = 'must be an epoch number, an integer ≥ 0';

const epochNumber = z.coerce
  .number({ error: EPOCH_ERROR })
  .int({ error: EPOCH_ERROR })
  .min(0, { error: EPOCH_ERROR })
  .max(Number.MAX_SAFE_INTEGER, { error: EPOCH_ERROR });

const EventsHeadersSchema = z.object({
  'last-event-id': z
    .string()
    .regex(/^\d{1,15}$/, { error: EPOCH_ERROR })
    .optional()
    .meta({ description: 'Sent by EventSource when it reconnects: resume after this epoch.' }),
});

const EventsQuerySchema = z.strictObject({
  after: epochNumber.optional().meta({
    description:
      'Resume after this epoch, for clients that cannot set Last-Event-ID. The header wins.',
  }),
});

const DESCRIPTION = `Server-Sent Events (\`text/event-stream\`) that follow a job as it trains:

- \`status\`: the job, as \`GET /v1/jobs/{id}\` returns it, when the stream opens and whenever its
  status changes;
- \`epoch\`: a history item, as \`GET /v1/jobs/{id}/history\` returns it; the event id is the epoch
  number;
- \`end\`: \`{ "status", "epoch" }\` after the terminal \`status\` event; then the stream closes.

Every epoch comes once, in order: the stream replays the stored history after \`Last-Event-ID\`
(or \`?after=\`), then follows the live epochs. A comment line is sent every 15 seconds. A client
that stops reading is disconnected after a minute; it reconnects with \`Last-Event-ID\` and misses
nothing. Browsers: \`new EventSource(url)\`, and call \`close()\` on \`end\` (else it reconnects).`;

const EXAMPLE = `retry: 2000

event: status
data: {"id":"job_7k3m9q2x5v8b1n4c6d0f","status":"running",...}

id: 1
event: epoch
data: {"epoch":1,"cost":0.71,"gradientNorms":[0.12,0.31],"elapsedMs":0.4}

event: status
data: {"id":"job_7k3m9q2x5v8b1n4c6d0f","status":"succeeded",...}

event: end
data: {"status":"succeeded","epoch":2000}
`;

/** GET /v1/jobs/{id}/events: the live event stream of one job. */
export function jobEventRoutes(context: ApiContext, hub: JobEventHub): FastifyPluginAsyncZod {
  const { store } = context;

  return async (app) => {
    app.get(
      '/v1/jobs/:id/events',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Follow a job live: status, every epoch, end',
          description: DESCRIPTION,
          params: idParamsSchema('job'),
          headers: EventsHeadersSchema,
          querystring: EventsQuerySchema,
          response: {
            200: {
              description: "An event stream that ends after the job's terminal status.",
              content: {
                'text/event-stream': { schema: z.string().meta({ examples: [EXAMPLE] }) },
              },
            },
            ...problemResponses([400, 401, 404]),
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const job = isWellFormedId('job', id) ? await store.jobs.get(request.tenant, id) : null;
        if (!job) throw new NotFoundError(`job ${id} not found`);

        // An EventSource reconnects to the URL it started with, ?after= included, and adds the
        // header: the header is the newer position.
        const header = request.headers['last-event-id'];
        const after = header !== undefined ? Number(header) : (request.query.after ?? 0);
        const stream = hub.open(job, after, request.log);

        return (
          reply
            .header('content-type', 'text/event-stream; charset=utf-8')
            .header('cache-control', 'no-cache, no-transform')
            // Proxies such as nginx would otherwise hold events back to fill their buffers.
            .header('x-accel-buffering', 'no')
            // The schema documents the text the stream carries; Fastify pipes the stream itself.
            .send(stream as unknown as string)
        );
      },
    );
  };
}
