import {
  LogController,
  type FastifyBaseLogger,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';
import type { Logger } from '../logger.js';

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

type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Fastify's childLoggerFactory: the request's logger becomes the pino child Fastify would make
 * (bound to the request id) when the request first writes a line at an enabled level. Fastify
 * makes that child for every request, serializing its bindings to JSON: 2 µs of each poll,
 * which at the usual level logs nothing. A route with its own level or serializers gets its
 * child at once.
 */
export function deferredRequestLogger(
  parent: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  if (options.level !== undefined || options.serializers !== undefined)
    return parent.child(bindings, options);
  // The log methods take pino's overloads, which a class cannot spell out method by method.
  return new DeferredChildLogger(parent as Logger, bindings) as unknown as FastifyBaseLogger;
}

class DeferredChildLogger {
  private made: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
  ) {}

  get level(): string {
    return (this.made ?? this.parent).level;
  }

  set level(level: string) {
    this.logger().level = level;
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }

  error(...args: unknown[]): void {
    this.write('error', args);
  }

  warn(...args: unknown[]): void {
    this.write('warn', args);
  }

  info(...args: unknown[]): void {
    this.write('info', args);
  }

  debug(...args: unknown[]): void {
    this.write('debug', args);
  }

  trace(...args: unknown[]): void {
    this.write('trace', args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }

  private write(level: LevelName, args: unknown[]): void {
    if (this.made === null && !this.parent.isLevelEnabled(level)) return;
    const logger = this.logger();
    Reflect.apply(logger[level], logger, args);
  }

  private logger(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings);
    return this.made;
  }
}
