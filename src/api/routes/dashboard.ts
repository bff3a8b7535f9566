import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceUnavailableError } from '../../errors.js';

/**
 * Where `npm run build:dashboard` writes the dashboard: dist/dashboard/, reached from this
 * module in src/ (under tsx or vitest) or from its build in dist/src/.
 */
export function defaultDashboardDirectory(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(
    new URL(fromSource ? '../../../dist/dashboard/' : '../../../dashboard/', import.meta.url),
  );
}

/**
 * The dashboard: its page at `/` and its bundled scripts, styles and fonts under `/assets/`.
 * Everything comes from this process, so it works without a network connection. Asset names
 * carry a content hash and are cached for good; the page itself is revalidated every time.
 */
export function dashboardRoutes(directory = defaultDashboardDirectory()): FastifyPluginAsync {
  return async (app) => {
    await app.register(fastifyStatic, {
      root: join(directory, 'assets'),
      prefix: '/assets/',
      // Files are looked up per request, so a dashboard built after the start is served too.
      wildcard: true,
      decorateReply: false,
      index: false,
      list: false,
      immutable: true,
      maxAge: '365d',
      suppressWarning: true,
    });

    app.get('/', { schema: { hide: true } }, async (_request, reply) => {
      let page: string;
      try {
        page = await readFile(join(directory, 'index.html'), 'utf8');
      } catch (error) {
        throw new ServiceUnavailableError(
          'the dashboard is not built: run `npm run build:dashboard`',
          { cause: error },
        );
      }
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
    });
  };
}
