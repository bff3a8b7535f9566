import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** A read answered this fast and well is a poll: logged at debug, not info. */
const QUIET_READ_MS = 250;

/**
 * Fastify's request logging, in one line per request instead of two: the completion line
 * carries the method and the URL that the 'incoming request' line used to. At a few thousand
 * polls a second the second line cost as much CPU as the route that answered. For the same
 * reason a fast successful read (a client polling a job) is logged at debug: every write,
 * every error and every slow answer stays at info.
 */
export class OneLineRequestLog extends LogController {
  override incomingRequest(): void {
    // Logged together with the outcome, in requestCompleted.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const line = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTime: reply.elapsedTime,
    };
    if (error) {
      reply.log.error({ ...line, err: error }, 'request errored');
      return;
    }
    const isQuietRead =
      (request.method === 'GET' || request.method === 'HEAD') &&
      reply.statusCode < 400 &&
      reply.elapsedTime < QUIET_READ_MS;
    if (isQuietRead) reply.log.debug(line, 'request completed');
    else reply.log.info(line, 'request completed');
  }
}
