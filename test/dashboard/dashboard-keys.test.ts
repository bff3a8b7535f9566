import { mkdir, readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchChromium, type Browser } from '../support/chromium.js';
import { startCuttingProxy } from '../support/cutting-proxy.js';
import { slowXorJob, startLiveService, type LiveService } from '../support/live-service.js';

/**
 * The dashboard in headless Chromium against the real service with API keys: it asks for a
 * key, sends it as a header with every request (its event stream and downloads included),
 * never in a URL, and shows one tenant's jobs only.
 */

const SCREENSHOTS = new URL('../../test-output/dashboard/', import.meta.url);
const ALPHA = 'alpha-key-0123456789abcdef';
const BETA = 'beta-key-fedcba9876543210';
const STORAGE_KEY = 'chainrule.apiKey';

let live: LiveService;
let browser: Browser;
/** What the pages printed to the console: a CSP violation would show here. */
const consoleErrors: string[] = [];
/** Every request to the events route, with the headers it carried. */
const streamRequests: { url: string; headers: Record<string, string> }[] = [];
let alphaJob = '';
let betaJob = '';

async function call<T>(method: string, path: string, key: string, body?: unknown): Promise<T> {
  const response = await fetch(`${live.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

beforeAll(async () => {
  if (!hasChromium) return;
  await mkdir(SCREENSHOTS, { recursive: true });
  live = await startLiveService({
    API_KEYS: `alpha:${ALPHA},beta:${BETA}`,
    RATE_LIMIT_PER_MINUTE: '0',
  });
  alphaJob = (await call<{ id: string }>('POST', '/v1/jobs', ALPHA, slowXorJob(5))).id;
  betaJob = (await call<{ id: string }>('POST', '/v1/jobs', BETA, slowXorJob(5))).id;

  browser = await launchChromium();
  browser.context.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  browser.context.on('request', async (request) => {
    if (!request.url().endsWith('/events')) return;
    streamRequests.push({ url: request.url(), headers: await request.allHeaders() });
  });
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
const storedIn = (page: Page, storage: 'sessionStorage' | 'localStorage') =>
  page.evaluate(`${storage}.getItem('${STORAGE_KEY}')`);
const PATIENCE = { timeout: 15_000 };
/** Pixels the page is wider than the screen (a string: the test's types know no DOM). */
const SIDEWAYS_OVERFLOW = 'document.documentElement.scrollWidth - window.innerWidth';

const SUITE = `the dashboard with API keys, in headless Chromium${
  hasChromium ? '' : ` (skipped: ${CHROMIUM} is missing)`
}`;

describe.skipIf(!hasChromium)(SUITE, () => {
  /** One tab through the first tests: the key is kept in its sessionStorage. */
  let page: Page;

  it("asks for a key first, flags a wrong one, then lists only its tenant's jobs", async () => {
    page = await browser.context.newPage();
    await page.goto(`${live.url}/`);

    const dialog = page.getByRole('dialog', { name: 'API key' });
    await dialog.waitFor(PATIENCE);
    expect(await dialog.textContent()).toContain('This service asks for an API key.');
    const keyInput = dialog.getByLabel('API key', { exact: true });
    expect(await keyInput.getAttribute('type')).toBe('password');
    await expect.poll(() => page.evaluate('document.activeElement?.type')).toBe('password');
    await screenshot(page, 'keys-dialog');

    await keyInput.fill('not-a-key-of-this-service-0000');
    await keyInput.press('Enter');
    const refusal = dialog.getByRole('alert');
    await expect
      .poll(() => refusal.textContent(), PATIENCE)
      .toBe('The service refused this key: the API key is not valid.');
    expect(await keyInput.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'keys-refused');

    await keyInput.fill(ALPHA);
    await dialog.getByRole('button', { name: 'Use this key' }).click();
    await dialog.waitFor({ state: 'hidden', ...PATIENCE });
    await page.locator(`tr[data-job-id="${alphaJob}"]`).waitFor(PATIENCE);
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await page.locator(`tr[data-job-id="${betaJob}"]`).count()).toBe(0);
    expect(await storedIn(page, 'sessionStorage')).toBe(ALPHA);
    expect(await storedIn(page, 'localStorage')).toBeNull();
    expect(
      await page.getByRole('navigation').getByRole('button', { name: 'API key' }).isVisible(),
    ).toBe(true);
    await screenshot(page, 'keys-jobs-list');
  }, 60_000);

  it('submits XOR from the form and follows it live, authenticated, to succeeded', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'New job' }).click();
    await page.getByLabel('Layer 1 units').fill('128');
    await page.getByLabel('Epochs').fill('100000');
    await page.getByLabel('Time limit (seconds)').fill('3');
    await page.getByRole('button', { name: 'Start training' }).click();

    await page.waitForURL(/#\/jobs\/job_/);
    const id = /#\/jobs\/(job_\w+)/.exec(page.url())![1];
    await expect.poll(() => pointsOf(page), { timeout: 30_000 }).toBeGreaterThan(0);
    const early = { points: await pointsOf(page), status: await statusOf(page) };
    await expect.poll(() => pointsOf(page), { timeout: 30_000 }).toBeGreaterThan(early.points);
    await expect.poll(() => statusOf(page), { timeout: 60_000 }).toBe('succeeded');
    const job = await call<{ progress: { epoch: number } }>('GET', `/v1/jobs/${id}`, ALPHA);
    await expect.poll(() => pointsOf(page), PATIENCE).toBe(job.progress.epoch);
    await expect
      .poll(() => page.locator('.connection').textContent(), PATIENCE)
      .toMatch(/^Finished: succeeded/);

    expect(early.status).toBe('running');
    const streams = streamRequests.filter((request) => request.url.includes(id));
    expect(streams.length).toBeGreaterThan(0);
    expect(streams.every((request) => request.headers.authorization === `Bearer ${ALPHA}`)).toBe(
      true,
    );
    expect(browser.requested.filter((url) => url.includes(ALPHA))).toEqual([]);
    expect(await page.locator('[data-note="tfjs-key"]').textContent()).toContain('requestInit');
    await screenshot(page, 'keys-job-succeeded');

    // The ONNX model, fetched with the key and handed over as a Blob object URL.
    const [download] = await Promise.all([
      page.waitForEvent('download', PATIENCE),
      page.getByRole('link', { name: 'ONNX model' }).click(),
    ]);
    const saved = await readFile((await download.path())!);
    const served = Buffer.from(
      await (
        await fetch(`${live.url}/v1/jobs/${id}/model.onnx`, {
          headers: { authorization: `Bearer ${ALPHA}` },
        })
      ).arrayBuffer(),
    );

    expect(download.url()).toMatch(/^blob:/);
    expect(download.suggestedFilename()).toBe(`${id}.onnx`);
    // An ONNX ModelProto opens with field 1, ir_version (varint tag 0x08), here 8.
    expect([...saved.subarray(0, 2)]).toEqual([0x08, 0x08]);
    expect(saved.equals(served)).toBe(true);
    expect(consoleErrors.filter((text) => /Content.Security.Policy/i.test(text))).toEqual([]);
    await page.close();
  }, 120_000);

  it('resumes the live stream after a drop, with the key and Last-Event-ID', async () => {
    const long = slowXorJob(1_000_000);
    const { id } = await call<{ id: string }>('POST', '/v1/jobs', ALPHA, {
      ...long,
      training: { ...long.training, timeLimitSeconds: 6 },
    });
    // The page is served through a proxy that drops its event stream's connection on cue.
    const proxy = await startCuttingProxy(live.url);
    const tab = await browser.context.newPage();
    try {
      await tab.goto(`${proxy.url}/#/jobs/${id}`);
      const dialog = tab.getByRole('dialog', { name: 'API key' });
      await dialog.getByLabel('API key', { exact: true }).fill(ALPHA);
      await dialog.getByLabel('API key', { exact: true }).press('Enter');
      await expect.poll(() => pointsOf(tab), { timeout: 30_000 }).toBeGreaterThan(10);
      expect(await statusOf(tab)).toBe('running');

      // Watched in the page, frame by frame: the state lasts only until the reconnect.
      const reconnecting = tab.waitForFunction(
        () =>
          (globalThis as any).document.querySelector('.connection')?.dataset.state ===
          'reconnecting',
        undefined,
        { polling: 'raf', timeout: 30_000 },
      );
      expect(proxy.cutStreams()).toBe(1);
      await reconnecting;
      await expect.poll(() => statusOf(tab), { timeout: 60_000 }).toBe('succeeded');
      const job = await call<{ progress: { epoch: number } }>('GET', `/v1/jobs/${id}`, ALPHA);
      await expect.poll(() => pointsOf(tab), PATIENCE).toBe(job.progress.epoch);
      await expect
        .poll(() => tab.locator('.connection').textContent(), PATIENCE)
        .toMatch(/^Finished: succeeded/);

      expect(proxy.lastEventIds).toHaveLength(2);
      expect(proxy.lastEventIds[0]).toBeNull();
      expect(Number(proxy.lastEventIds[1])).toBeGreaterThan(10);
      const streams = streamRequests.filter((request) => request.url.startsWith(proxy.url));
      expect(streams.map((request) => request.headers.authorization)).toEqual([
        `Bearer ${ALPHA}`,
        `Bearer ${ALPHA}`,
      ]);
    } finally {
      await tab.close();
      await proxy.close();
    }
  }, 90_000);

  it('remembers the key on this device when asked, and forgets it', async () => {
    const first = await browser.context.newPage();
    await first.setViewportSize({ width: 390, height: 844 });
    await first.goto(`${live.url}/#/jobs/${betaJob}`);
    const dialog = first.getByRole('dialog', { name: 'API key' });
    await dialog.waitFor(PATIENCE);
    expect(await first.evaluate(SIDEWAYS_OVERFLOW)).toBeLessThanOrEqual(0);
    await screenshot(first, 'keys-dialog-phone');
    await dialog.getByLabel('API key', { exact: true }).fill(BETA);
    await dialog.getByLabel('Remember on this device').check();
    await dialog.getByRole('button', { name: 'Use this key' }).click();
    // The request that met the 401 went on with the key: the job page opened in place.
    await expect.poll(() => statusOf(first), PATIENCE).toBe('succeeded');
    expect(await storedIn(first, 'localStorage')).toBe(BETA);
    expect(await storedIn(first, 'sessionStorage')).toBeNull();

    // Another tab of this browser finds the remembered key: no question asked.
    const second = await browser.context.newPage();
    await second.goto(`${live.url}/`);
    await second.locator(`tr[data-job-id="${betaJob}"]`).waitFor(PATIENCE);
    expect(await second.getByRole('dialog').count()).toBe(0);

    await second.getByRole('navigation').getByRole('button', { name: 'API key' }).click();
    const secondDialog = second.getByRole('dialog', { name: 'API key' });
    await secondDialog.getByRole('button', { name: 'Forget key' }).click();
    await expect
      .poll(() => secondDialog.getByRole('status').allTextContents(), PATIENCE)
      .toContain('Forgotten: this browser holds no API key any more.');
    expect(await storedIn(second, 'localStorage')).toBeNull();
    // The list is read again without a key: the service asks for one, and shows no job.
    await expect
      .poll(() => secondDialog.textContent(), PATIENCE)
      .toContain('This service asks for an API key.');
    expect(await second.locator('tbody tr').count()).toBe(0);

    await secondDialog.getByRole('button', { name: 'Close' }).click();
    await expect
      .poll(() => second.getByRole('status').first().textContent(), PATIENCE)
      .toBe(
        'Could not load the jobs: this service needs a valid API key; ' +
          'choose “API key” at the top of the page',
      );
    await screenshot(second, 'keys-declined');
    await first.close();
    await second.close();
  }, 60_000);
});
