import { z } from 'zod';
import { HTTP_ERROR_CODES, JOB_ERROR_CODES } from '../../errors.js';

/** Every error code the service can answer with or record on a job. */
export const ErrorCodeSchema = z
  .enum([...Object.keys(HTTP_ERROR_CODES), ...JOB_ERROR_CODES] as unknown as [string, ...string[]])
  .meta({ id: 'ErrorCode', description: 'A stable, machine-readable error code.' });

/** RFC 9457 problem details, plus the stable `code` and, for validation, the offending fields. */
export const ProblemSchema = z
  .object({
    type: z
      .string()
      .meta({ description: 'A URI naming the problem type.', examples: ['about:blank'] }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: ErrorCodeSchema,
    instance: z.string().optional(),
    errors: z
      .array(
        z.object({
          path: z
            .string()
            .meta({ description: 'Where: a field path such as `inputs[3][1]` (row 3, column 1).' }),
          message: z.string(),
        }),
      )
      .optional(),
  })
  .meta({
    id: 'Problem',
    description: 'An error, as application/problem+json.',
    examples: [
      {
        type: 'about:blank',
        title: 'The request is not valid',
        status: 400,
        code: 'VALIDATION_FAILED',
        detail: 'inputs[3][1]: row 3, column 1: "x" is not a finite number',
        errors: [{ path: 'inputs[3][1]', message: 'row 3, column 1: "x" is not a finite number' }],
      },
    ],
  });

/** Error responses a route documents: status → description. */
export function problemResponses(statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: 'The request is not valid (VALIDATION_FAILED).',
    401: 'No valid API key (UNAUTHORIZED).',
    404: 'No such resource (NOT_FOUND).',
    409: 'Conflicts with the resource state.',
    413: 'The body is larger than BODY_LIMIT_MB (PAYLOAD_TOO_LARGE).',
    415: 'The content type is not accepted (UNSUPPORTED_MEDIA_TYPE).',
    422: 'Valid, but cannot be processed (SHAPE_MISMATCH, LIMIT_EXCEEDED).',
    429: 'Too many requests (RATE_LIMITED).',
    503: 'Try again later (QUEUE_FULL, SERVICE_UNAVAILABLE).',
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: descriptions[status] ?? 'Error.',
        content: { 'application/problem+json': { schema: ProblemSchema } },
      },
    ]),
  );
}

export const LimitQuerySchema = z.coerce
  .number({ error: 'must be an integer from 1 to 500' })
  .int({ error: 'must be an integer from 1 to 500' })
  .min(1, { error: 'must be an integer from 1 to 500' })
  .max(500, { error: 'must be an integer from 1 to 500' })
  .default(50)
  .meta({ description: 'Items per page, 1 to 500.', examples: [50] });

export const CursorQuerySchema = z
  .string()
  .max(200)
  .optional()
  .meta({ description: 'The `nextCursor` of the previous page.' });

export const PageQuerySchema = z.strictObject({
  limit: LimitQuerySchema,
  cursor: CursorQuerySchema,
});

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null at the end.' }),
  });
}

export const TimestampSchema = z
  .string()
  .meta({ description: 'UTC, ISO 8601.', examples: ['2026-12-03T13:00:00.000Z'] });

export function idParamsSchema(prefix: 'ds' | 'net' | 'job') {
  return z.strictObject({
    id: z
      .string()
      .max(64)
      .meta({
        description: `An id starting with \`${prefix}_\`.`,
        examples: [`${prefix}_7k3m9q2x5v8b1n4c6d0f`],
      }),
  });
}

/** Headers of a poll that can be answered 304 (see sendAnswer). */
export const ConditionalHeadersSchema = z.object({
  'if-none-match': z
    .string()
    .optional()
    .meta({
      description:
        'The ETag of an answer the client already holds: while that is still the answer, ' +
        '304 without a body.',
      examples: ['"x5iB2u0vN1mA7h3c9d4e6f8g0jk"'],
    }),
});

/** The 304 answer of a poll whose If-None-Match names the current answer's ETag. */
export const notModifiedResponse = {
  304: z.undefined().meta({
    description: 'Not Modified: the answer is still the one whose ETag If-None-Match named.',
  }),
};

export const IdempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200)
    .optional()
    .meta({
      description:
        'Repeat a POST safely: the same key and body return the first response; ' +
        'the same key with another body is 409.',
    }),
});
