import { z } from 'zod';
import { XOR_INPUTS, XOR_PREDICTIONS } from './examples.js';
import { matrixSchema } from './matrix.js';

/** Schemas of the routes that use a trained model: predict, the exports, the graph. */

export const PredictBodySchema = z
  .strictObject({
    inputs: matrixSchema("Input rows, each as wide as the network's inputSize.", XOR_INPUTS),
  })
  .meta({ id: 'PredictRequest', examples: [{ inputs: XOR_INPUTS }] });

export const PredictQuerySchema = z.strictObject({
  checkpoint: z.enum(['latest']).optional().meta({
    description: '`latest`: predict with the newest checkpoint of a job that is still running.',
  }),
});

export const PredictionSchema = z
  .object({
    outputs: z
      .array(z.array(z.number()))
      .meta({ description: 'One row per input row, as wide as the last layer.' }),
    epoch: z.number().int().meta({ description: 'The epoch whose weights made the prediction.' }),
  })
  .meta({ id: 'Prediction', examples: [{ outputs: XOR_PREDICTIONS, epoch: 2000 }] });

/** A file download: bytes of the given content type. */
export function binaryResponse(description: string, contentType: string) {
  return {
    description,
    content: {
      [contentType]: {
        schema: z.custom<Buffer>(() => true).meta({ type: 'string', format: 'binary' }),
      },
    },
  };
}

const KerasLayerSchema = z.object({
  class_name: z.string().meta({ examples: ['Dense'] }),
  config: z.record(z.string(), z.unknown()),
});

export const TfjsModelSchema = z
  .object({
    format: z.literal('layers-model'),
    generatedBy: z.string(),
    convertedBy: z.null(),
    modelTopology: z.object({
      class_name: z.literal('Sequential'),
      config: z.object({ name: z.string(), layers: z.array(KerasLayerSchema) }),
    }),
    weightsManifest: z.array(
      z.object({
        paths: z.array(z.string()).meta({ description: 'Relative to model.json: `weights.bin`.' }),
        weights: z.array(
          z.object({
            name: z.string(),
            shape: z.array(z.number().int()),
            dtype: z.literal('float32'),
          }),
        ),
      }),
    ),
    userDefinedMetadata: z.record(z.string(), z.union([z.string(), z.number()])),
  })
  .meta({
    id: 'TfjsModel',
    description: 'TF.js model.json (layers-model format) for `tf.loadLayersModel(url)`.',
    examples: [
      {
        format: 'layers-model',
        generatedBy: 'chainrule',
        convertedBy: null,
        modelTopology: {
          class_name: 'Sequential',
          config: {
            name: 'job_7k3m9q2x5v8b1n4c6d0f',
            layers: [
              {
                class_name: 'Dense',
                config: {
                  name: 'layer1',
                  trainable: true,
                  dtype: 'float32',
                  units: 10,
                  activation: 'sigmoid',
                  use_bias: true,
                  batch_input_shape: [null, 2],
                },
              },
              {
                class_name: 'Dense',
                config: {
                  name: 'layer2',
                  trainable: true,
                  dtype: 'float32',
                  units: 1,
                  activation: 'sigmoid',
                  use_bias: true,
                },
              },
            ],
          },
        },
        weightsManifest: [
          {
            paths: ['weights.bin'],
            weights: [
              { name: 'layer1/kernel', shape: [2, 10], dtype: 'float32' },
              { name: 'layer1/bias', shape: [10], dtype: 'float32' },
              { name: 'layer2/kernel', shape: [10, 1], dtype: 'float32' },
              { name: 'layer2/bias', shape: [1], dtype: 'float32' },
            ],
          },
        ],
        userDefinedMetadata: {
          jobId: 'job_7k3m9q2x5v8b1n4c6d0f',
          epoch: 2000,
          loss: 'binaryCrossentropy',
        },
      },
    ],
  });

export const GraphQuerySchema = z.strictObject({
  format: z
    .enum(['json', 'dot'])
    .default('json')
    .meta({ description: '`json` (default) or `dot`: Graphviz source, as text/vnd.graphviz.' }),
});

/** One node of a computational graph, as /graph and /v1/gradients describe it. */
export const GraphNodeSchema = z
  .object({
    id: z
      .number()
      .int()
      .meta({ description: 'Position in the recorded order; inputs always come first.' }),
    op: z.string().meta({
      description:
        'The op (`matmul`, `biasAdd`, `sigmoid`, …) or `input`, `parameter`, `constant`.',
    }),
    name: z
      .string()
      .optional()
      .meta({ description: 'Readable name of leaves and layer outputs, such as `layer1/W`.' }),
    inputs: z
      .array(z.number().int())
      .meta({ description: 'Ids of the nodes this one is computed from.' }),
    shape: z.tuple([z.number().int(), z.number().int()]).meta({ description: '[rows, columns]' }),
    attrs: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: "Op attributes, such as leakyRelu's alpha." }),
  })
  .meta({ id: 'GraphNode' });

export const GraphSchema = z
  .object({
    jobId: z.string(),
    batchRows: z
      .number()
      .int()
      .nullable()
      .meta({
        description:
          'Rows of one training step. null when the job trained on its whole dataset and that ' +
          'dataset was deleted since: batch-sized nodes then show 1 row.',
      }),
    root: z.number().int().meta({ description: 'The node differentiated: the cost.' }),
    nodes: z.array(GraphNodeSchema),
  })
  .meta({
    id: 'Graph',
    description:
      'The graph one training step records and differentiates: forward in id order, ' +
      'backward in reverse.',
    examples: [
      {
        jobId: 'job_7k3m9q2x5v8b1n4c6d0f',
        batchRows: 4,
        root: 12,
        nodes: [
          { id: 0, op: 'input', name: 'inputs', inputs: [], shape: [4, 2] },
          { id: 1, op: 'parameter', name: 'layer1/W', inputs: [], shape: [2, 10] },
          { id: 2, op: 'parameter', name: 'layer1/b', inputs: [], shape: [1, 10] },
          { id: 3, op: 'matmul', inputs: [0, 1], shape: [4, 10] },
          { id: 4, op: 'biasAdd', inputs: [3, 2], shape: [4, 10] },
          { id: 5, op: 'sigmoid', name: 'layer1', inputs: [4], shape: [4, 10] },
          { id: 6, op: 'parameter', name: 'layer2/W', inputs: [], shape: [10, 1] },
          { id: 7, op: 'parameter', name: 'layer2/b', inputs: [], shape: [1, 1] },
          { id: 8, op: 'matmul', inputs: [5, 6], shape: [4, 1] },
          { id: 9, op: 'biasAdd', inputs: [8, 7], shape: [4, 1] },
          { id: 10, op: 'sigmoid', name: 'layer2', inputs: [9], shape: [4, 1] },
          { id: 11, op: 'input', name: 'targets', inputs: [], shape: [4, 1] },
          { id: 12, op: 'binaryCrossentropy', name: 'loss', inputs: [10, 11], shape: [1, 1] },
        ],
      },
    ],
  });

export const GraphDotSchema = z.string().meta({
  description:
    'Graphviz DOT source: leaves as boxes (parameters shaded), ops as ellipses, the root doubled.',
  examples: [
    'digraph "job_7k3m9q2x5v8b1n4c6d0f" {\n  rankdir=LR;\n' +
      '  n0 [label="inputs\\ninput [4, 2]", shape=box];\n  …\n}\n',
  ],
});
