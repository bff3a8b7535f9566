import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { JobEvents } from '../queue/job-events.js';
import { SqliteStore } from '../storage/sqlite/sqlite-store.js';
import { buildApp } from './app.js';

/**
 * The OpenAPI document exactly as the running app serves it at /openapi.json, from an app over
 * an in-memory database. `npm run openapi` writes it to openapi/openapi.json; a test fails
 * when the committed file differs.
 */
export async function generateOpenApiDocument(): Promise<string> {
  const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' });
  const store = SqliteStore.open(':memory:');
  const app = await buildApp({
    config,
    store,
    events: new JobEvents(),
    logger: createLogger('silent'),
    dispatcher: { wake: () => undefined, cancel: () => undefined },
    isPoolUsable: () => true,
  });
  try {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    return `${JSON.stringify(response.json(), null, 2)}\n`;
  } finally {
    await app.close();
    await store.close();
  }
}
