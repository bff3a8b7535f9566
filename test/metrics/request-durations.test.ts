import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestDurations } from '../../src/metrics/request-durations.js';

const NAME = 'chainrule_http_request_duration_seconds';
const HELP = 'HTTP requests by method, route pattern and status code.';
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** Requests of several routes, methods and codes, with durations on, between and past bounds. */
function observations(): [string, string, number, number][] {
  const routes = ['/v1/jobs/:id', '/v1/jobs', '(unmatched)', '/v1/jobs/:id/history'];
  const methods = ['GET', 'POST', 'HEAD'];
  const codes = [200, 304, 404, 202];
  const durations = [0, 0.0004, 0.001, 0.0011, 0.005, 0.03, 0.1, 0.7, 1, 2.5, 9.9, 10, 42];
  return Array.from({ length: 400 }, (_, index) => [
    methods[(index * 7) % methods.length],
    routes[(index * 5) % routes.length],
    codes[(index * 3) % codes.length],
    durations[(index * 11) % durations.length] + index * 1e-7,
  ]);
}

describe('the request duration histogram', () => {
  it("renders exactly what prom-client's Histogram renders for the same requests", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const durations = new RequestDurations(NAME, HELP, BUCKETS, ours);
    const reference = new Histogram({
      name: NAME,
      help: HELP,
      labelNames: ['method', 'route', 'status_code'],
      buckets: BUCKETS,
      registers: [theirs],
    });

    for (const [method, route, statusCode, seconds] of observations()) {
      durations.observe(method, route, statusCode, seconds);
      reference.observe({ method, route, status_code: String(statusCode) }, seconds);
    }

    const text = await ours.metrics();
    expect(text).toContain(`${NAME}_bucket{le="0.001",method="GET",route="/v1/jobs/:id"`);
    expect(sortedLines(text)).toEqual(sortedLines(await theirs.metrics()));
  });

  it('starts over when the registry resets its metrics', async () => {
    const registry = new Registry();
    const durations = new RequestDurations(NAME, HELP, BUCKETS, registry);
    durations.observe('GET', '/v1/jobs/:id', 200, 0.002);
    expect(await registry.metrics()).toContain(`${NAME}_count{method="GET"`);

    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain(`${NAME}_count`);
  });
});

/** The exposition's lines in a fixed order (the two list the series in different orders). */
function sortedLines(text: string): string[] {
  return text.trim().split('\n').sort();
}
