import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  AppError,
  InternalError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
  type FieldProblem,
} from '../errors.js';

const MAX_LISTED_PROBLEMS = 50;

/**
 * The one place errors become HTTP answers: application/problem+json with the stable `code`.
 * Known errors keep their status and message; validation failures list the offending fields;
 * anything unexpected is a 500 with a generic detail, and its details go to the log only.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((thrown: unknown, request, reply) => {
    const error = toAppError(thrown);
    if (error instanceof InternalError) {
      request.log.error({ err: thrown }, 'unhandled error');
    } else if (error.status >= 500) {
      request.log.warn({ code: error.code }, error.message);
    }
    sendProblem(request, reply, error);
  });

  app.setNotFoundHandler((request, reply) => {
    sendProblem(
      request,
      reply,
      new NotFoundError(`no route for ${request.method} ${request.url.split('?')[0]}`),
    );
  });
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError): void {
  const problem: Record<string, unknown> = {
    type: 'about:blank',
    title: error.title,
    status: error.status,
    detail: error.message,
    code: error.code,
    instance: request.url.split('?')[0],
  };
  if (error.errors) problem.errors = error.errors.slice(0, MAX_LISTED_PROBLEMS);
  void reply
    .code(error.status)
    .headers(error.headers)
    .type('application/problem+json')
    .send(problem);
}

/**
 * Maps anything thrown to an AppError; the unknown becomes InternalError, original kept as
 * cause.
 */
export function toAppError(thrown: unknown): AppError {
  if (thrown instanceof AppError) return thrown;

  if (hasZodFastifySchemaValidationErrors(thrown)) {
    const context = thrown.validationContext ?? 'body';
    const problems: FieldProblem[] = thrown.validation.map((issue) => ({
      path: formatPath(context, issue.instancePath),
      message: issue.message ?? 'is not valid',
    }));
    return new ValidationError(problems);
  }

  const fastifyError = thrown as FastifyError;
  switch (fastifyError?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError(
        'the request body is larger than the configured limit (BODY_LIMIT_MB)',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError(
        'send application/json (or text/csv for POST /v1/datasets)',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ValidationError([{ path: 'body', message: 'the JSON body is empty' }]);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ValidationError([
        { path: 'body', message: 'Content-Length does not match the body' },
      ]);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      // Ids are short: a path segment this long names nothing that exists.
      return new NotFoundError('no resource has an id that long');
    case 'FST_ERR_BAD_URL':
      return new ValidationError([
        { path: 'url', message: 'the URL is not valid percent-encoding' },
      ]);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_TYPE':
      return new ValidationError([{ path: 'body', message: fastifyError.message }]);
  }
  if (fastifyError instanceof SyntaxError || fastifyError?.statusCode === 400) {
    // JSON syntax errors, forbidden __proto__ keys, nesting too deep for the parser.
    return new ValidationError([
      { path: 'body', message: `not valid JSON: ${fastifyError.message}` },
    ]);
  }
  if (fastifyError?.statusCode === 413) return new PayloadTooLargeError(fastifyError.message);
  if (fastifyError?.statusCode === 415) return new UnsupportedMediaTypeError(fastifyError.message);
  return new InternalError('an unexpected error occurred; it has been logged', { cause: thrown });
}

/** `/training/epochs` → `training.epochs`; `/inputs/0/1` → `inputs[0][1]`. */
function formatPath(context: string, instancePath: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  const joined = parts.reduce(
    (path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part),
    '',
  );
  // Query and path parameters are named as the client wrote them: `limit`, `id`.
  return joined || (context === 'querystring' ? 'query' : context);
}
