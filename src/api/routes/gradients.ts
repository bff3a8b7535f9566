import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  ShapeMismatchError as EngineShapeMismatchError,
  checkParameterShapes,
  explainGradients,
  matrixFromRows,
  type LayerParameters,
  type NetworkDefinition,
} from '../../engine/index.js';
import { NotFoundError, ShapeMismatchError } from '../../errors.js';
import { checkNetworkLimits } from '../../queue/limits.js';
import { isWellFormedId } from '../../storage/ids.js';
import type { ApiContext } from '../context.js';
import { checkExplainLimits } from '../inference-limits.js';
import { checkInputRows, checkTargetRows } from '../row-shapes.js';
import { problemResponses } from '../schemas/common.js';
import { GradientExplanationSchema, GradientsBodySchema } from '../schemas/gradients.js';

/** POST /v1/gradients: the chain rule laid open on the caller's own network and weights. */
export function gradientRoutes(context: ApiContext): FastifyPluginAsyncZod {
  const { store, config } = context;

  async function resolveNetwork(
    tenant: string,
    network: { id: string } | NetworkDefinition,
  ): Promise<NetworkDefinition> {
    if (!('id' in network)) return network;
    const stored = isWellFormedId('net', network.id)
      ? await store.networks.get(tenant, network.id)
      : null;
    if (!stored) {
      throw new NotFoundError(`network ${network.id} not found`, {
        errors: [{ path: 'network.id', message: 'no such network' }],
      });
    }
    return stored.definition;
  }

  return async (app) => {
    app.post(
      '/v1/gradients',
      {
        schema: {
          tags: ['gradients'],
          summary: "Every node's value and gradient for given weights and inputs",
          description:
            "One forward and one backward pass of the engine over the network's graph at the " +
            'given weights: the outputs, the gradients of the inputs and of every W and b, and ' +
            'every node with its value and gradient. With targets the cost is differentiated, ' +
            'without them the sum of all outputs. For `f = x·W + b` with W = −2, x = 5, b = 3 ' +
            '(the first example) it answers outputs [[-7]], ∂f/∂W = [[5]], ∂f/∂x = [[-2]], ' +
            '∂f/∂b = [1]. Weights, inputs or targets that do not fit the network are 422 ' +
            'SHAPE_MISMATCH naming the field. The network limits apply, and the batch may cost ' +
            'at most 2²⁵ rows × parameters and hold at most 1,000,000 graph values (422 ' +
            'LIMIT_EXCEEDED).',
          body: GradientsBodySchema,
          response: {
            200: GradientExplanationSchema,
            ...problemResponses([400, 401, 404, 413, 415, 422]),
          },
        },
      },
      async (request) => {
        const body = request.body;
        const network = await resolveNetwork(request.tenant, body.network);
        checkNetworkLimits(network, config.limits, 'network.');

        const layers: LayerParameters[] = body.layers.map(({ W, b }) => ({
          W: matrixFromRows(W),
          b: matrixFromRows([b]),
        }));
        try {
          checkParameterShapes(network, layers);
        } catch (error) {
          if (!(error instanceof EngineShapeMismatchError)) throw error;
          // The engine names the slot as this body does: `layers`, `layers[1].W`, `layers[1].b`.
          throw new ShapeMismatchError(`the weights do not fit the network: ${error.message}`, {
            errors: [{ path: error.op, message: error.message.slice(error.op.length + 2) }],
          });
        }
        checkInputRows(network, body.inputs);
        if (body.targets) checkTargetRows(network, body.inputs, body.targets);
        checkExplainLimits(network, body.inputs.length, body.targets !== undefined);

        return explainGradients({
          definition: network,
          layers,
          inputs: matrixFromRows(body.inputs),
          targets: body.targets ? matrixFromRows(body.targets) : undefined,
          l2: body.l2,
        });
      },
    );
  };
}
