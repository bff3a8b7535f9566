/**
 * Every error the service answers with. Each class carries a stable machine-readable `code`,
 * its HTTP status and a short title; the API's error handler renders them as
 * application/problem+json. A published code keeps its meaning and is never reused.
 */

/** Where in a request a problem is: a JSON path such as `inputs[3][1]`, and what is wrong. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

export abstract class AppError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  abstract readonly title: string;
  readonly errors: readonly FieldProblem[] | undefined;
  /** Extra response headers, such as Retry-After. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    message: string,
    options: {
      errors?: readonly FieldProblem[];
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

export class ValidationError extends AppError {
  readonly code = 'VALIDATION_FAILED';
  readonly status = 400;
  readonly title = 'The request is not valid';

  constructor(errors: readonly FieldProblem[], message?: string) {
    super(message ?? summarize(errors), { errors });
  }
}

export class UnauthorizedError extends AppError {
  readonly code = 'UNAUTHORIZED';
  readonly status = 401;
  readonly title = 'Authentication required';
}

export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND';
  readonly status = 404;
  readonly title = 'Not found';
}

export class JobNotFinishedError extends AppError {
  readonly code = 'JOB_NOT_FINISHED';
  readonly status = 409;
  readonly title = 'The job has no model yet';
}

export class ModelUnavailableError extends AppError {
  readonly code = 'MODEL_UNAVAILABLE';
  readonly status = 409;
  readonly title = 'The job ended without a model';
}

export class DatasetInUseError extends AppError {
  readonly code = 'DATASET_IN_USE';
  readonly status = 409;
  readonly title = 'The dataset is used by a queued or running job';
}

export class IdempotencyConflictError extends AppError {
  readonly code = 'IDEMPOTENCY_CONFLICT';
  readonly status = 409;
  readonly title = 'The Idempotency-Key was used with another request';
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  readonly status = 413;
  readonly title = 'The request body is too large';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
  readonly status = 415;
  readonly title = 'Unsupported content type';
}

export class ShapeMismatchError extends AppError {
  readonly code = 'SHAPE_MISMATCH';
  readonly status = 422;
  readonly title = 'Shapes do not fit';
}

export class LimitExceededError extends AppError {
  readonly code = 'LIMIT_EXCEEDED';
  readonly status = 422;
  readonly title = 'A configured limit was exceeded';

  constructor(
    readonly limit: string,
    readonly allowed: number,
    readonly actual: number,
    path: string,
  ) {
    super(`${limit} is limited to ${allowed}; the request needs ${actual}`, {
      errors: [{ path, message: `${limit} is ${actual}, above the allowed ${allowed}` }],
    });
  }
}

export class RateLimitedError extends AppError {
  readonly code = 'RATE_LIMITED';
  readonly status = 429;
  readonly title = 'Too many requests';
}

export class JobQuotaExceededError extends AppError {
  readonly code = 'JOB_QUOTA_EXCEEDED';
  readonly status = 429;
  readonly title = 'The tenant has too many queued and running jobs';
}

export class QueueFullError extends AppError {
  readonly code = 'QUEUE_FULL';
  readonly status = 503;
  readonly title = 'The job queue is full';
}

export class ServiceUnavailableError extends AppError {
  readonly code = 'SERVICE_UNAVAILABLE';
  readonly status = 503;
  readonly title = 'The service is not ready';
}

export class InternalError extends AppError {
  readonly code = 'INTERNAL_ERROR';
  readonly status = 500;
  readonly title = 'Internal server error';
}

/** Every code an HTTP response can carry, with its status: the OpenAPI document lists them all. */
export const HTTP_ERROR_CODES = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  JOB_NOT_FINISHED: 409,
  MODEL_UNAVAILABLE: 409,
  DATASET_IN_USE: 409,
  IDEMPOTENCY_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SHAPE_MISMATCH: 422,
  LIMIT_EXCEEDED: 422,
  RATE_LIMITED: 429,
  JOB_QUOTA_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  QUEUE_FULL: 503,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type HttpErrorCode = keyof typeof HTTP_ERROR_CODES;

/** Codes a job's `error` can carry when it ends `failed`. */
export const JOB_ERROR_CODES = [
  'TRAINING_DIVERGED',
  'TIME_LIMIT_EXCEEDED',
  'WORKER_CRASHED',
] as const;
export type JobErrorCode = (typeof JOB_ERROR_CODES)[number];

/** Turns anything thrown into an Error, keeping the original as `cause`. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : 'non-error value thrown', {
    cause: thrown,
  });
}

function summarize(errors: readonly FieldProblem[]): string {
  if (errors.length === 0) return 'The request is not valid.';
  const [first] = errors;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${first.path || 'body'}: ${first.message}${more}`;
}
