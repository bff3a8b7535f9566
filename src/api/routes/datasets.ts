import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../../errors.js';
import { isWellFormedId } from '../../storage/ids.js';
import type { DatasetRecord } from '../../storage/records.js';
import type { ApiContext } from '../context.js';
import { parseCsvDataset } from '../csv.js';
import { buildDataset } from '../dataset-input.js';
import { runIdempotent } from '../idempotency.js';
import { decodeCursor, encodeCursor } from '../pagination.js';
import { OFF_THREAD_BODY_BYTES, type ParserThread } from '../parser-thread.js';
import { presentDataset } from '../presenters.js';
import {
  IdempotencyHeadersSchema,
  PageQuerySchema,
  idParamsSchema,
  pageSchema,
  problemResponses,
} from '../schemas/common.js';
import {
  CsvQuerySchema,
  DatasetBodySchema,
  DatasetSchema,
  type DatasetBody,
} from '../schemas/dataset.js';

const CSV_EXAMPLE = 'x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n';

/** /v1/datasets: upload (JSON or CSV), list, read metadata, delete. */
export function datasetRoutes(
  context: ApiContext,
  parserThread: ParserThread,
): FastifyPluginAsyncZod {
  const { store, config } = context;

  return async (app) => {
    // Registered in this plugin only: CSV is a dataset format, so any other route answers a CSV
    // body with 415 rather than a confusing schema error.
    app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );

    app.post(
      '/v1/datasets',
      {
        schema: {
          tags: ['datasets'],
          summary: 'Upload a dataset',
          description:
            'JSON with `inputs` and `targets` (or `labels`, stored one-hot), or a CSV body ' +
            '(`Content-Type: text/csv`, a header line, `?targets=col,col` naming the target ' +
            'columns). ' +
            'Every row must have the same width; every value must be a finite number.',
          headers: IdempotencyHeadersSchema,
          querystring: CsvQuerySchema,
          body: {
            content: {
              'application/json': { schema: DatasetBodySchema },
              'text/csv': { schema: z.string().meta({ examples: [CSV_EXAMPLE] }) },
            },
          },
          response: { 201: DatasetSchema, ...problemResponses([400, 401, 409, 413, 415, 422]) },
        },
      },
      async (request, reply) => {
        const body = request.body as DatasetBody | string;
        let parsed: DatasetBody;
        if (typeof body === 'string') {
          // Its length in UTF-16 units, a byte count for the digits and commas of a dataset.
          parsed =
            body.length >= OFF_THREAD_BODY_BYTES
              ? await parserThread.parseCsv(body, request.query)
              : parseCsvDataset(body, request.query);
        } else {
          const csvOnly = (['targets', 'labels', 'name'] as const).find(
            (key) => request.query[key] !== undefined,
          );
          if (csvOnly)
            throw new ValidationError([
              { path: csvOnly, message: 'this query parameter applies to CSV bodies only' },
            ]);
          parsed = body;
        }

        const dataset = buildDataset(parsed, request.tenant, config.limits);
        await runIdempotent<DatasetRecord>(
          request,
          reply,
          store,
          'POST /v1/datasets',
          (record) => ({
            statusCode: 201,
            body: JSON.stringify(presentDataset(record)),
            location: `/v1/datasets/${record.id}`,
          }),
          (write) => store.datasets.create(dataset, write),
        );
      },
    );

    app.get(
      '/v1/datasets',
      {
        schema: {
          tags: ['datasets'],
          summary: 'List datasets, newest first',
          querystring: PageQuerySchema,
          response: { 200: pageSchema(DatasetSchema), ...problemResponses([400, 401]) },
        },
      },
      async (request) => {
        const page = await store.datasets.list(request.tenant, {
          limit: request.query.limit,
          beforeSeq: decodeCursor(request.query.cursor),
        });
        return { items: page.items.map(presentDataset), nextCursor: encodeCursor(page.nextSeq) };
      },
    );

    app.get(
      '/v1/datasets/:id',
      {
        schema: {
          tags: ['datasets'],
          summary: "Read a dataset's metadata",
          params: idParamsSchema('ds'),
          response: { 200: DatasetSchema, ...problemResponses([401, 404]) },
        },
      },
      async (request) => {
        const dataset = isWellFormedId('ds', request.params.id)
          ? await store.datasets.get(request.tenant, request.params.id)
          : null;
        if (!dataset) throw new NotFoundError(`dataset ${request.params.id} not found`);
        return presentDataset(dataset);
      },
    );

    app.delete(
      '/v1/datasets/:id',
      {
        schema: {
          tags: ['datasets'],
          summary: 'Delete a dataset',
          description: '409 DATASET_IN_USE while a queued or running job uses it.',
          params: idParamsSchema('ds'),
          response: {
            204: z.undefined().meta({ description: 'Deleted.' }),
            ...problemResponses([401, 404, 409]),
          },
        },
      },
      async (request, reply) => {
        const deleted =
          isWellFormedId('ds', request.params.id) &&
          (await store.datasets.delete(request.tenant, request.params.id));
        if (!deleted) throw new NotFoundError(`dataset ${request.params.id} not found`);
        return reply.code(204).send();
      },
    );
  };
}
