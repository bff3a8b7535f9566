import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startService } from './service.js';

/**
 * The process entry point: configuration from the environment (a bad value stops the start with
 * one line naming the variable, exit 1), then the service; SIGTERM or SIGINT stop it gracefully
 * and exit 0.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`chainrule: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  // Asynchronous writes: under load, lines written while a write is pending go out together,
  // instead of one system call per line on the event loop. pino flushes what is left at exit.
  const logger = createLogger(config.logLevel, pino.destination({ dest: 1, sync: false }));
  const service = await startService(config, { logger });

  let signalled = false;
  const stop = (signal: string) => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'stopping');
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `chainrule: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
