import { z } from 'zod';
import { LECTURE_GRADIENTS_REQUEST, XOR_GRADIENTS_REQUEST } from './examples.js';
import { LayerWeightsSchema } from './job.js';
import { matrixSchema } from './matrix.js';
import { GraphNodeSchema } from './models.js';
import { NetworkDefinitionSchema } from './network.js';

export const GradientsBodySchema = z
  .strictObject({
    network: z
      .union([z.strictObject({ id: z.string().max(64) }), NetworkDefinitionSchema])
      .meta({ description: 'A stored network `{ "id": "net_..." }` or a definition.' }),
    layers: z.array(LayerWeightsSchema).min(1, { error: 'needs the weights of every layer' }).meta({
      description:
        'The weights to differentiate at, one entry per layer: W [inputs][units], b [units].',
    }),
    inputs: matrixSchema("Input rows, each as wide as the network's inputSize.", [[5]]),
    targets: matrixSchema(
      'Optional target rows, one per input row: the cost is then differentiated.',
      [[1]],
    ).optional(),
    l2: z
      .number()
      .min(0)
      .refine(Number.isFinite, { error: 'must be a finite number' })
      .default(0)
      .meta({ description: 'Adds l2 · Σ W² to the cost, as in training; needs targets.' }),
  })
  .superRefine((body, context) => {
    if (body.l2 > 0 && body.targets === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['l2'],
        message: 'l2 is part of the cost: give targets too',
      });
    }
  })
  .meta({
    id: 'GradientsRequest',
    description:
      'A network, weights and a batch. Without targets, the sum of all outputs is differentiated ' +
      '(for one output row, ∂f/∂·); with targets, the cost.',
    examples: [LECTURE_GRADIENTS_REQUEST, XOR_GRADIENTS_REQUEST],
  });

const rows = z.array(z.array(z.number()));

export const GradientExplanationSchema = z
  .object({
    outputs: rows.meta({ description: "The network's outputs for the inputs." }),
    cost: z.number().optional().meta({ description: 'The cost, when targets were given.' }),
    gradients: z.object({
      inputs: rows.meta({ description: '∂/∂inputs, shaped like inputs.' }),
      layers: z
        .array(z.object({ W: rows, b: z.array(z.number()) }))
        .meta({ description: '∂/∂W and ∂/∂b per layer, shaped like the weights.' }),
    }),
    nodes: z
      .array(
        GraphNodeSchema.extend({
          value: rows.meta({ description: 'The forward value.' }),
          gradient: rows.nullable().meta({
            description:
              'The gradient of the differentiated root; null where none flows (targets).',
          }),
        }),
      )
      .meta({
        description: 'Every node of the graph in recorded order, with its value and gradient.',
      }),
  })
  .meta({
    id: 'GradientExplanation',
    examples: [
      {
        outputs: [[-7]],
        gradients: { inputs: [[-2]], layers: [{ W: [[5]], b: [1] }] },
        nodes: [
          {
            id: 0,
            op: 'input',
            name: 'inputs',
            inputs: [],
            shape: [1, 1],
            value: [[5]],
            gradient: [[-2]],
          },
          {
            id: 1,
            op: 'parameter',
            name: 'layer1/W',
            inputs: [],
            shape: [1, 1],
            value: [[-2]],
            gradient: [[5]],
          },
          {
            id: 2,
            op: 'parameter',
            name: 'layer1/b',
            inputs: [],
            shape: [1, 1],
            value: [[3]],
            gradient: [[1]],
          },
          { id: 3, op: 'matmul', inputs: [0, 1], shape: [1, 1], value: [[-10]], gradient: [[1]] },
          { id: 4, op: 'biasAdd', inputs: [3, 2], shape: [1, 1], value: [[-7]], gradient: [[1]] },
          {
            id: 5,
            op: 'linear',
            name: 'layer1',
            inputs: [4],
            shape: [1, 1],
            value: [[-7]],
            gradient: [[1]],
          },
          {
            id: 6,
            op: 'sum',
            name: 'sum of outputs',
            inputs: [5],
            shape: [1, 1],
            value: [[-7]],
            gradient: [[1]],
          },
        ],
      },
    ],
  });
