import { ensureDashboard } from '../../scripts/build-dashboard.mjs';

/**
 * Runs once before any test file: builds the dashboard bundle when its sources changed, so
 * that every suite serves the current dashboard and no two suites build it at once.
 */
export default async function setup(): Promise<void> {
  await ensureDashboard();
}
