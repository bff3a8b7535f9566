import { mkdir } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeNetworkGraph,
  graphToDot,
  type NetworkDefinition,
} from '../../src/engine/index.js';
import { XOR_INPUTS, XOR_TARGETS } from '../../src/api/schemas/examples.js';
import { CHROMIUM, hasChromium, launchChromium, type Browser } from '../support/chromium.js';
import { slowXorJob, startLiveService, type LiveService } from '../support/live-service.js';

/**
 * The dashboard in real headless Chromium (Debian's package) against the real service: the
 * page, its bundle and Graphviz all come from the service, the jobs train on worker threads.
 */

const SCREENSHOTS = new URL('../../test-output/dashboard/', import.meta.url);
if (!hasChromium) {
  console.warn(
    `dashboard browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`,
  );
}

let live: LiveService;
let browser: Browser;
let context: BrowserContext;
/** Every URL the pages asked for: all must be the service's own. */
let requested: string[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  await mkdir(SCREENSHOTS, { recursive: true });
  live = await startLiveService({ WORKERS: '1' });
  browser = await launchChromium();
  ({ context, requested } = browser);
}, 60_000);

afterAll(async () => {
  if (!hasChromium) return;
  await browser?.close();
  await live?.stop();
});

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true });
}

const pointsOf = (page: Page) =>
  page.locator('.chart-plot').first().getAttribute('data-points').then(Number);
const statusOf = (page: Page) => page.locator('.summary [data-status]').getAttribute('data-status');
/** How long a page may take to show what it was sent, on a busy machine. */
const PATIENCE = { timeout: 15_000 };
/** Pixels the page is wider than the screen (a string: the test's types know no DOM). */
const SIDEWAYS_OVERFLOW = 'document.documentElement.scrollWidth - window.innerWidth';
/** Resolves after the page has drawn two more frames: what was pending is on screen. */
const NEXT_FRAMES =
  'new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))';

const SKIPPED = hasChromium ? '' : ` (skipped: ${CHROMIUM} is missing)`;
const SUITE = `the dashboard in headless Chromium${SKIPPED}`;

describe.skipIf(!hasChromium)(SUITE, () => {
  let xorJobId = '';

  it('submits XOR from the form; the cost curve grows epoch by epoch until succeeded', async () => {
    const page = await context.newPage();
    await page.goto(`${live.url}/`);
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent(), PATIENCE)
      .toBe('Jobs');
    await page.getByRole('navigation').getByRole('link', { name: 'New job' }).click();

    // Prefilled with the lecture's XOR; the test widens the network so that training lasts a
    // few seconds, and bounds it by time so that its length does not depend on this machine.
    await expect
      .poll(() => page.getByLabel('Data (JSON or CSV)').inputValue(), PATIENCE)
      .toContain('[[0,0],[0,1],[1,0],[1,1]]');
    await page.getByLabel('Layer 1 units').fill('256');
    await page.getByLabel('Layer 1 activation').selectOption('tanh');
    await page.getByRole('button', { name: 'Add hidden layer' }).click();
    await page.getByLabel('Layer 2 units').fill('256');
    await page.getByLabel('Epochs').fill('100000');
    await page.getByLabel('Learning rate').fill('0.05');
    await page.getByLabel('Time limit (seconds)').fill('4');
    await screenshot(page, 'new-job-form');
    await page.getByLabel('Time limit (seconds)').press('Enter'); // submits, from the keyboard

    await page.waitForURL(/#\/jobs\/job_/);
    xorJobId = /#\/jobs\/(job_\w+)/.exec(page.url())![1];
    await expect.poll(() => pointsOf(page), { timeout: 30_000 }).toBeGreaterThan(0);
    const early = { points: await pointsOf(page), status: await statusOf(page) };
    await expect.poll(() => pointsOf(page), { timeout: 30_000 }).toBeGreaterThan(early.points);
    const later = await pointsOf(page);
    await screenshot(page, 'job-training');

    expect(early.status).toBe('running');
    expect(later).toBeGreaterThan(early.points);

    await expect.poll(() => statusOf(page), { timeout: 60_000 }).toBe('succeeded');
    const job = await live.call<{ progress: { epoch: number }; stopReason: string }>(
      'GET',
      `/v1/jobs/${xorJobId}`,
    );
    await expect.poll(() => pointsOf(page), PATIENCE).toBe(job.progress.epoch);
    expect(job.stopReason).toBe('timeLimit');
    // The weights of the three layers: a heatmap of each W, a bar chart of each b.
    await expect.poll(() => page.locator('canvas.heatmap').count(), PATIENCE).toBe(3);
    await expect
      .poll(() => page.locator('figure.bars canvas').count(), PATIENCE)
      .toBeGreaterThanOrEqual(3);
    await page.locator('.graph-panel .notice, .graph-panel svg').first().waitFor();
    const graph = await page.locator('.graph-panel').textContent();
    if ((await page.locator('.graph-panel svg').count()) === 0) {
      expect(graph).toContain('does not describe computational graphs yet');
    }
    await screenshot(page, 'job-succeeded');

    await page.getByRole('navigation').getByRole('link', { name: 'Jobs' }).click();
    const row = page.locator(`tr[data-job-id="${xorJobId}"]`);
    await expect
      .poll(() => row.locator('[data-status]').getAttribute('data-status'), PATIENCE)
      .toBe('succeeded');
    await screenshot(page, 'jobs-list');
    await page.close();
  }, 120_000);

  it('cancels a long job from its page with the keyboard', async () => {
    const { id } = await live.call<{ id: string }>('POST', '/v1/jobs', slowXorJob(1_000_000));
    const page = await context.newPage();
    await page.goto(`${live.url}/#/jobs/${id}`);
    await expect.poll(() => pointsOf(page), { timeout: 30_000 }).toBeGreaterThan(0);

    // The cancel's own answer (still `running`, cancel requested) is held back until the event
    // stream has told the page the job ended, as a slow network can: the page keeps the newer.
    await page.route(`${live.url}/v1/jobs/${id}/cancel`, async (route) => {
      const response = await route.fetch();
      await expect
        .poll(() => page.locator('.connection').textContent(), { timeout: 30_000 })
        .toMatch(/^Finished/);
      await route.fulfill({ response });
    });
    const answered = page.waitForResponse(`${live.url}/v1/jobs/${id}/cancel`);
    const cancel = page.getByRole('button', { name: 'Cancel job' });
    await cancel.focus();
    await page.keyboard.press('Enter');

    await expect.poll(() => statusOf(page), { timeout: 30_000 }).toBe('cancelled');
    await expect
      .poll(() => page.locator('.connection').textContent(), PATIENCE)
      .toMatch(/^Finished: cancelled after epoch \d+\.$/);
    await answered;
    await page.evaluate(NEXT_FRAMES); // the late answer has been handled (and must be ignored)
    expect(await statusOf(page)).toBe('cancelled');
    const job = await live.call<{ status: string; progress: { epoch: number } }>(
      'GET',
      `/v1/jobs/${id}`,
    );
    expect(job.status).toBe('cancelled');
    await expect.poll(() => pointsOf(page), PATIENCE).toBe(job.progress.epoch);
    await screenshot(page, 'job-cancelled');
    await page.close();
  }, 60_000);

  it('fits a phone screen without sideways scrolling', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${live.url}/#/jobs/${xorJobId}`);
    await expect.poll(() => page.locator('canvas.heatmap').count(), PATIENCE).toBe(3);

    expect(await page.evaluate(SIDEWAYS_OVERFLOW)).toBeLessThanOrEqual(0);
    await screenshot(page, 'job-phone');
    await page.goto(`${live.url}/#/new`);
    await expect.poll(() => page.evaluate(SIDEWAYS_OVERFLOW), PATIENCE).toBeLessThanOrEqual(0);
    await screenshot(page, 'new-job-phone');
    await page.close();
  }, 60_000);

  it("draws the job's computational graph from its DOT with Graphviz in WebAssembly", async () => {
    const page = await context.newPage();
    const dotUrl = `${live.url}/v1/jobs/${xorJobId}/graph?format=dot`;
    // GET /v1/jobs/{id}/graph is another branch's work. Until it is merged here, the test
    // answers that URL with the DOT the engine writes for this job's network; once the route
    // exists, the page is left to the real one.
    if ((await fetch(dotUrl)).status === 404) {
      const job = await live.call<{ network: NetworkDefinition }>('GET', `/v1/jobs/${xorJobId}`);
      const dot = graphToDot(describeNetworkGraph(job.network, 4));
      await page.route(dotUrl, (route) =>
        route.fulfill({ contentType: 'text/vnd.graphviz', body: dot }),
      );
    }
    await page.goto(`${live.url}/#/jobs/${xorJobId}`);

    await page.locator('.graph-panel svg').waitFor({ timeout: 30_000 });
    expect(await page.locator('.graph-panel svg g.node').count()).toBeGreaterThan(5);
    expect(await page.locator('.graph-panel svg').getAttribute('aria-label')).toBe(
      'Computational graph of the network',
    );
    await page.locator('.graph-panel').scrollIntoViewIfNeeded();
    await screenshot(page, 'job-graph');
    await page.close();
  }, 60_000);

  it('asks for no key on an open service, and its downloads are plain links', async () => {
    const page = await context.newPage();
    await page.goto(`${live.url}/#/jobs/${xorJobId}`);
    await expect.poll(() => statusOf(page), PATIENCE).toBe('succeeded');

    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'API key' }).count()).toBe(0);
    expect(await page.locator('[data-note="tfjs-key"]').count()).toBe(0);
    const [download] = await Promise.all([
      page.waitForEvent('download', PATIENCE),
      page.getByRole('link', { name: 'ONNX model' }).click(),
    ]);
    expect(download.url()).toBe(`${live.url}/v1/jobs/${xorJobId}/model.onnx`);
    expect(download.suggestedFilename()).toBe(`${xorJobId}.onnx`);
    await page.close();
  }, 60_000);

  it('opens a job of a million epochs from a sampled history, replaying no epoch', async () => {
    const { id } = await live.call<{ id: string }>('POST', '/v1/jobs', {
      network: {
        inputSize: 2,
        layers: [
          { units: 2, activation: 'sigmoid' },
          { units: 1, activation: 'sigmoid' },
        ],
        loss: 'binaryCrossentropy',
      },
      dataset: { inputs: XOR_INPUTS, targets: XOR_TARGETS },
      training: { epochs: 1_000_000, optimizer: { type: 'sgd', learningRate: 0.5 }, seed: 1 },
    });
    await live.waitForJob(id, (job) => job.status === 'succeeded', 150_000);
    const page = await context.newPage();
    const streams: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.endsWith('/events')) streams.push(request.url());
    });

    await page.goto(`${live.url}/#/jobs/${id}`);

    await expect
      .poll(() => page.locator('.connection').textContent(), PATIENCE)
      .toBe('Finished: succeeded after epoch 1000000.');
    // Every 1,000th epoch is drawn, and the stream starts after the last of them: the page
    // was sent a thousand history items, not a million epoch events.
    expect(await pointsOf(page)).toBe(1000);
    expect(streams).toEqual([`${live.url}/v1/jobs/${id}/events?after=1000000`]);
    await screenshot(page, 'job-million-epochs');
    await page.close();
  }, 240_000);

  it('loads everything from the service itself, so it works offline', () => {
    const origin = new URL(live.url).origin;
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => new URL(url).origin !== origin)).toEqual([]);
  });
});
