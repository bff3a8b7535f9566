import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NotFoundError } from '../../errors.js';
import { submitJob } from '../../queue/submit-job.js';
import { isTerminal, type JobRecord } from '../../storage/records.js';
import type { ApiContext } from '../context.js';
import { AnswerCache, answerKey, sendAnswer } from '../answer-cache.js';
import { buildDataset } from '../dataset-input.js';
import { runIdempotent } from '../idempotency.js';
import { createJobLookup } from '../job-lookup.js';
import { decodeCursor, encodeCursor } from '../pagination.js';
import { presentJob, presentModel } from '../presenters.js';
import {
  ConditionalHeadersSchema,
  IdempotencyHeadersSchema,
  idParamsSchema,
  notModifiedResponse,
  pageSchema,
  problemResponses,
} from '../schemas/common.js';
import {
  HistoryPageSchema,
  HistoryQuerySchema,
  JobCreateBodySchema,
  JobListQuerySchema,
  JobSchema,
  ModelQuerySchema,
  ModelSchema,
} from '../schemas/job.js';

/** How the two polled routes answer a client that sends back the ETag it holds. */
const POLL_DESCRIPTION =
  'The answer carries an `ETag`; a poll that sends it back in `If-None-Match` gets ' +
  '`304 Not Modified` without a body while the answer is unchanged.';

/** /v1/jobs: submit, list, read, cancel, follow the history, fetch the model. */
export function jobRoutes(context: ApiContext): FastifyPluginAsyncZod {
  const { store, config, dispatcher, events } = context;
  const { findJob, loadModel } = createJobLookup(store);
  // Polls of a job and of its history are answered from here while nothing has changed.
  const answers = new AnswerCache(() => store.changeStamp());

  return async (app) => {
    // A poll whose answer is cached is answered here, before validation and the handler: they
    // cost more than the rest of the poll. Authentication and rate limits ran before (they are
    // onRequest hooks); the response hooks (log, metrics) run as for any answer. Only answers
    // the routes below built are cached, under the tenant and the URL as the client sent it.
    app.addHook('preValidation', (request, reply, done) => {
      const cached =
        request.method === 'GET' ? answers.peek(answerKey(request.tenant, request.url)) : undefined;
      if (cached === undefined) done();
      else sendAnswer(request, reply, cached);
    });

    app.post(
      '/v1/jobs',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Submit a training job',
          description:
            'Queues the job and answers at once with 202; poll `Location` for its status. ' +
            'A network or dataset that does not fit the other is 422 SHAPE_MISMATCH.',
          headers: IdempotencyHeadersSchema,
          body: JobCreateBodySchema,
          response: {
            202: JobSchema,
            ...problemResponses([400, 401, 404, 409, 413, 415, 422, 429, 503]),
          },
        },
      },
      async (request, reply) => {
        const { network, dataset, training } = request.body;
        const datasetInput =
          'id' in dataset
            ? { id: dataset.id }
            : buildDataset(dataset, request.tenant, config.limits, 'dataset.');

        await runIdempotent<JobRecord>(
          request,
          reply,
          store,
          'POST /v1/jobs',
          (job) => ({
            statusCode: 202,
            body: JSON.stringify(presentJob(job)),
            location: `/v1/jobs/${job.id}`,
          }),
          (idempotency) =>
            submitJob(
              {
                store,
                limits: config.limits,
                queueLimit: config.queueLimit,
                tenantJobLimit: config.tenantJobLimit,
              },
              { tenant: request.tenant, network, dataset: datasetInput, training, idempotency },
            ),
        );
        dispatcher.wake();
      },
    );

    app.get(
      '/v1/jobs',
      {
        schema: {
          tags: ['jobs'],
          summary: 'List jobs, newest first',
          querystring: JobListQuerySchema,
          response: { 200: pageSchema(JobSchema), ...problemResponses([400, 401]) },
        },
      },
      async (request) => {
        const { status, limit, cursor } = request.query;
        const page = await store.jobs.list(request.tenant, {
          status,
          limit,
          beforeSeq: decodeCursor(cursor),
        });
        return { items: page.items.map(presentJob), nextCursor: encodeCursor(page.nextSeq) };
      },
    );

    app.get(
      '/v1/jobs/:id',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Read a job: status, progress, cost',
          description: POLL_DESCRIPTION,
          params: idParamsSchema('job'),
          headers: ConditionalHeadersSchema,
          response: { 200: JobSchema, ...notModifiedResponse, ...problemResponses([401, 404]) },
        },
      },
      async (request, reply) => {
        const { tenant } = request;
        const { id } = request.params;
        const answer = await answers.answer(answerKey(tenant, request.url), async () =>
          JSON.stringify(presentJob(await findJob(tenant, id))),
        );
        return sendAnswer(request, reply, answer);
      },
    );

    app.post(
      '/v1/jobs/:id/cancel',
      {
        schema: {
          tags: ['jobs'],
          summary: 'Cancel a job',
          description:
            'A queued job becomes `cancelled` at once; a running one stops at its next step, ' +
            'keeps the weights of its last finished epoch and ends `cancelled`. ' +
            'Finished jobs are unchanged.',
          params: idParamsSchema('job'),
          response: { 200: JobSchema, ...problemResponses([401, 404]) },
        },
      },
      async (request) => {
        const before = await findJob(request.tenant, request.params.id);
        const job = await store.jobs.requestCancel(
          request.tenant,
          before.id,
          new Date().toISOString(),
        );
        if (!job) throw new NotFoundError(`job ${request.params.id} not found`);
        if (job.status === 'running') dispatcher.cancel(job.id);
        if (job.status !== before.status) events.emit('status', job);
        return presentJob(job);
      },
    );

    app.get(
      '/v1/jobs/:id/history',
      {
        schema: {
          tags: ['jobs'],
          summary: 'The cost after every epoch',
          description:
            'Every epoch in order, none twice, from `after + 1`; available while the job runs. ' +
            'With `every=k`, only the epochs that are multiples of k: a long history in a few ' +
            'pages, for plotting (a million epochs with `every=2000` is one page of 500). ' +
            POLL_DESCRIPTION,
          params: idParamsSchema('job'),
          querystring: HistoryQuerySchema,
          headers: ConditionalHeadersSchema,
          response: {
            200: HistoryPageSchema,
            ...notModifiedResponse,
            ...problemResponses([400, 401, 404]),
          },
        },
      },
      async (request, reply) => {
        const { tenant } = request;
        const { id } = request.params;
        const { after, limit, every } = request.query;
        const answer = await answers.answer(answerKey(tenant, request.url), async () => {
          const job = await findJob(tenant, id);
          const items = await store.jobs.history(job.id, after, limit, every);
          const last = items.length > 0 ? items[items.length - 1].epoch : after;
          const complete = isTerminal(job.status) && items.length < limit;
          return JSON.stringify({ items, nextAfter: complete ? null : last });
        });
        return sendAnswer(request, reply, answer);
      },
    );

    app.get(
      '/v1/jobs/:id/model',
      {
        schema: {
          tags: ['jobs'],
          summary: 'The learned weights W and biases b',
          description:
            '409 JOB_NOT_FINISHED before a model exists; `?checkpoint=latest` returns the newest ' +
            'checkpoint of a running job.',
          params: idParamsSchema('job'),
          querystring: ModelQuerySchema,
          response: { 200: ModelSchema, ...problemResponses([400, 401, 404, 409]) },
        },
      },
      async (request) => {
        const job = await findJob(request.tenant, request.params.id);
        const model = await loadModel(job, request.query.checkpoint === 'latest');
        return presentModel(job, model);
      },
    );
  };
}
