import { z } from 'zod';
import { ACTIVATIONS, INITIALIZERS, LOSSES } from '../../engine/index.js';
import { TimestampSchema } from './common.js';
import { XOR_NETWORK } from './examples.js';

const positiveInteger = (what: string) =>
  z
    .number({ error: `${what} must be a positive integer` })
    .int({ error: `${what} must be a positive integer` })
    .min(1, { error: `${what} must be a positive integer` });

export const LayerSpecSchema = z.strictObject({
  units: positiveInteger('units').meta({
    description: 'Units (neurons) in the layer.',
    examples: [10],
  }),
  activation: z
    .enum(ACTIVATIONS)
    .meta({ description: 'TF.js activation name; softmax on the last layer only.' }),
  alpha: z
    .number()
    .min(0)
    .max(1e6)
    .refine(Number.isFinite)
    .optional()
    .meta({ description: 'Negative slope of leakyRelu (default 0.2).' }),
});

/** A network definition: H = activation(X·W + b) per layer, W is [inputs][units]. */
export const NetworkDefinitionSchema = z
  .strictObject({
    inputSize: positiveInteger('inputSize').meta({
      description: 'Values per input row.',
      examples: [2],
    }),
    layers: z.array(LayerSpecSchema).min(1, { error: 'needs at least one layer' }),
    loss: z.enum(LOSSES),
    initializer: z.enum(INITIALIZERS).default('glorotUniform'),
  })
  .superRefine((definition, context) => {
    definition.layers.forEach((layer, index) => {
      if (layer.activation === 'softmax' && index !== definition.layers.length - 1) {
        context.addIssue({
          code: 'custom',
          path: ['layers', index, 'activation'],
          message: 'softmax is allowed on the last layer only',
        });
      }
      if (layer.alpha !== undefined && layer.activation !== 'leakyRelu') {
        context.addIssue({
          code: 'custom',
          path: ['layers', index, 'alpha'],
          message: 'alpha applies to leakyRelu only',
        });
      }
    });
  })
  .meta({ id: 'NetworkDefinition', examples: [XOR_NETWORK] });

export type NetworkDefinitionBody = z.output<typeof NetworkDefinitionSchema>;

export const NetworkSchema = z
  .object({
    id: z.string().meta({ examples: ['net_7k3m9q2x5v8b1n4c6d0f'] }),
    inputSize: z.number().int(),
    layers: z.array(
      z.object({
        units: z.number().int(),
        activation: z.enum(ACTIVATIONS),
        alpha: z.number().optional(),
      }),
    ),
    loss: z.enum(LOSSES),
    initializer: z.enum(INITIALIZERS),
    parameterCount: z
      .number()
      .int()
      .meta({ description: 'Trainable values: Σ (inputs·units + units).' }),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'Network' });
