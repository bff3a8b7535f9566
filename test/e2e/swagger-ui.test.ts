import { existsSync, rmSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/service.js';
import { startRealService, temporaryDataDir } from '../support/server.js';

/** A Chromium to drive: CHROMIUM_PATH, the system's, or one that Playwright installed. */
function findChromium(): string | undefined {
  const candidates = [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    chromium.executablePath(),
  ];
  return candidates.find((path): path is string => Boolean(path) && existsSync(path!));
}

const CHROMIUM = findChromium();

let dataDir: string;
let service: Service;
let browser: Browser;

beforeAll(async () => {
  if (!CHROMIUM) return;
  dataDir = temporaryDataDir();
  service = await startRealService(dataDir, { WORKERS: '1' });
  browser = await chromium.launch({ executablePath: CHROMIUM });
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** In Swagger UI, opens an operation, presses "Try it out" and "Execute", returns the status. */
async function tryItOut(operationId: string): Promise<string> {
  const page = await browser.newPage();
  try {
    await page.goto(`${service.url}/docs`);
    const operation = page.locator(`#operations-${operationId}`);
    await operation.locator('.opblock-summary').click();
    await operation.locator('.try-out__btn').click();
    await operation.locator('.execute').click();
    const status = operation.locator('.live-responses-table .response .response-col_status');
    await status.waitFor();
    return (await status.innerText()).trim();
  } finally {
    await page.close();
  }
}

// Without a Chromium on the machine this suite is skipped (vitest lists it as skipped): set
// CHROMIUM_PATH to run it.
describe.skipIf(!CHROMIUM)('Swagger UI at /docs in Chromium', () => {
  it('submits the lecture\'s XOR job with "Try it out" and nothing typed: 202', async () => {
    expect(await tryItOut('jobs-post_v1_jobs')).toBe('202');
  });

  it('uploads the XOR dataset and stores the XOR network the same way: 201', async () => {
    expect(await tryItOut('datasets-post_v1_datasets')).toBe('201');
    expect(await tryItOut('networks-post_v1_networks')).toBe('201');
  });
});
