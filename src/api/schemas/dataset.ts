import { z } from 'zod';
import { TimestampSchema } from './common.js';
import { XOR_INPUTS, XOR_LABELS, XOR_TARGETS } from './examples.js';
import { labelsSchema, matrixSchema } from './matrix.js';

const NameSchema = z
  .string()
  .max(200)
  .optional()
  .meta({ description: 'A name to recognise the dataset by.', examples: ['xor'] });
const InputsSchema = matrixSchema('Input rows, all of one width, finite numbers.', XOR_INPUTS);

/**
 * A dataset sent as JSON: inputs with either `targets` (rows of numbers) or `labels` (class
 * indices, stored one-hot). One object with a rule rather than a union of two: a mistake then
 * gets one precise message instead of two candidate explanations.
 */
export const DatasetBodySchema = z
  .strictObject({
    name: NameSchema,
    inputs: InputsSchema,
    targets: matrixSchema(
      'Target rows, one per input row. Give targets or labels.',
      XOR_TARGETS,
    ).optional(),
    labels: labelsSchema(
      'Class index per input row, stored one-hot. Give targets or labels.',
      XOR_LABELS,
    ).optional(),
    classes: z.number().int().min(1).max(100_000).optional().meta({
      description:
        'With labels: the number of classes (one-hot width); default the largest label + 1.',
    }),
  })
  .superRefine((body, context) => {
    if ((body.targets === undefined) === (body.labels === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['targets'],
        message: 'give exactly one of targets or labels',
      });
    }
    if (body.classes !== undefined && body.labels === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['classes'],
        message: 'classes applies to labels only',
      });
    }
  })
  .meta({
    id: 'DatasetBody',
    examples: [{ name: 'xor', inputs: XOR_INPUTS, targets: XOR_TARGETS }],
  });

export type DatasetBody = z.output<typeof DatasetBodySchema>;

export const CsvQuerySchema = z.strictObject({
  // No example value: Swagger UI would fill it in for the JSON example too, which refuses it.
  targets: z.string().max(10_000).optional().meta({
    description:
      'Comma-separated names of the target columns (CSV bodies; `y` for the CSV example).',
  }),
  labels: z
    .string()
    .max(1000)
    .optional()
    .meta({ description: 'Name of a column of class indices, stored one-hot (CSV bodies).' }),
  name: z.string().max(200).optional().meta({ description: 'Dataset name (CSV bodies).' }),
});

export const DatasetSchema = z
  .object({
    id: z.string().meta({ examples: ['ds_7k3m9q2x5v8b1n4c6d0f'] }),
    name: z.string().nullable(),
    rows: z.number().int(),
    inputSize: z.number().int(),
    targetSize: z.number().int(),
    sha256: z.string().meta({ description: 'SHA-256 of the shape and the float64 values.' }),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'Dataset' });
