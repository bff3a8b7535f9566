import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * The one root logger. Request loggers (Fastify's) and job loggers (bound to jobId and attempt)
 * are its children. Authorization headers are redacted; bodies and training data are never logged.
 */
export function createLogger(
  level: LoggerOptions['level'] = 'info',
  destination?: pino.DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'chainrule' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["idempotency-key"]'],
      censor: '[redacted]',
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
