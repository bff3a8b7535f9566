import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { countParameters } from '../../engine/index.js';
import { NotFoundError } from '../../errors.js';
import { checkNetworkLimits } from '../../queue/limits.js';
import { isWellFormedId, newId } from '../../storage/ids.js';
import type { NetworkRecord } from '../../storage/records.js';
import type { ApiContext } from '../context.js';
import { runIdempotent } from '../idempotency.js';
import { decodeCursor, encodeCursor } from '../pagination.js';
import { presentNetwork } from '../presenters.js';
import {
  PageQuerySchema,
  idParamsSchema,
  pageSchema,
  problemResponses,
} from '../schemas/common.js';
import { NetworkDefinitionSchema, NetworkSchema } from '../schemas/network.js';

/** /v1/networks: store a network definition to train many times, list, read. */
export function networkRoutes(context: ApiContext): FastifyPluginAsyncZod {
  const { store, config } = context;

  return async (app) => {
    app.post(
      '/v1/networks',
      {
        schema: {
          tags: ['networks'],
          summary: 'Store a network definition',
          body: NetworkDefinitionSchema,
          response: { 201: NetworkSchema, ...problemResponses([400, 401, 409, 415, 422]) },
        },
      },
      async (request, reply) => {
        const definition = request.body;
        checkNetworkLimits(definition, config.limits);
        const network = {
          id: newId('net'),
          tenant: request.tenant,
          definition,
          parameterCount: countParameters(definition),
          createdAt: new Date().toISOString(),
        };
        await runIdempotent<NetworkRecord>(
          request,
          reply,
          store,
          'POST /v1/networks',
          (record) => ({
            statusCode: 201,
            body: JSON.stringify(presentNetwork(record)),
            location: `/v1/networks/${record.id}`,
          }),
          (write) => store.networks.create(network, write),
        );
      },
    );

    app.get(
      '/v1/networks',
      {
        schema: {
          tags: ['networks'],
          summary: 'List networks, newest first',
          querystring: PageQuerySchema,
          response: { 200: pageSchema(NetworkSchema), ...problemResponses([400, 401]) },
        },
      },
      async (request) => {
        const page = await store.networks.list(request.tenant, {
          limit: request.query.limit,
          beforeSeq: decodeCursor(request.query.cursor),
        });
        return { items: page.items.map(presentNetwork), nextCursor: encodeCursor(page.nextSeq) };
      },
    );

    app.get(
      '/v1/networks/:id',
      {
        schema: {
          tags: ['networks'],
          summary: 'Read a network',
          params: idParamsSchema('net'),
          response: { 200: NetworkSchema, ...problemResponses([401, 404]) },
        },
      },
      async (request) => {
        const network = isWellFormedId('net', request.params.id)
          ? await store.networks.get(request.tenant, request.params.id)
          : null;
        if (!network) throw new NotFoundError(`network ${request.params.id} not found`);
        return presentNetwork(network);
      },
    );
  };
}
