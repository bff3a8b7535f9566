import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerErrorHandler } from '../../src/api/error-handler.js';
import { dashboardRoutes } from '../../src/api/routes/dashboard.js';
import { createTestApp, type TestApp } from '../support/app.js';

// The dashboard bundle is built before the suite runs (test/support/global-setup.ts).

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('GET / (the dashboard)', () => {
  it('serves the page, which names its bundled script and styles', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/' });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.body).toMatch(/<script type="module" src="\/assets\/main-\w+\.js"><\/script>/);
    expect(response.body).toMatch(/<link rel="stylesheet" href="\/assets\/main-\w+\.css">/);
  });

  it('serves the hashed assets from the service itself, cached for good', async () => {
    const page = (await t.app.inject({ method: 'GET', url: '/' })).body;
    const script = /src="(\/assets\/main-\w+\.js)"/.exec(page)![1];

    const response = await t.app.inject({ method: 'GET', url: script });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('javascript');
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.body).toContain('/v1/jobs/');
  });

  it('answers 404 problem+json for an asset that does not exist', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/assets/nothing-here.js' });

    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('says how to build it when it is not built, with 503', async () => {
    const app = Fastify();
    registerErrorHandler(app);
    await app.register(dashboardRoutes('/nonexistent/chainrule-dashboard'));

    const response = await app.inject({ method: 'GET', url: '/' });
    await app.close();

    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      detail: 'the dashboard is not built: run `npm run build:dashboard`',
    });
  });
});
