import type { TestProject } from 'vitest/node';
import {
  findPostgresBinaries,
  startPostgresCluster,
  type PostgresCluster,
} from './postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throwaway server's superuser URL, or null when the PostgreSQL suite is skipped. */
    postgresAdminUrl: string | null;
    /** Where initdb and pg_ctl are, for tests that need a server of their own. */
    postgresBinaries: string | null;
  }
}

/**
 * Starts one throwaway PostgreSQL server for the whole run; each test file creates its own
 * database on it. Without PostgreSQL installed the PostgreSQL suite is skipped with a clear
 * notice, unless REQUIRE_POSTGRES=1 (set by .ci/run), which makes that an error.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binaries = findPostgresBinaries();
  let cluster: PostgresCluster | null = null;
  if (binaries) {
    cluster = await startPostgresCluster(binaries);
  } else if (process.env.REQUIRE_POSTGRES === '1') {
    throw new Error(
      'REQUIRE_POSTGRES=1 but no PostgreSQL server binaries were found ' +
        '(looked in $POSTGRES_BIN, /usr/lib/postgresql/*/bin and the PATH)',
    );
  } else {
    console.warn(
      '\n*** PostgreSQL suite SKIPPED: no PostgreSQL server binaries found ' +
        '(looked in $POSTGRES_BIN, /usr/lib/postgresql/*/bin and the PATH). ' +
        'Install PostgreSQL to run it; REQUIRE_POSTGRES=1 makes this an error. ***\n',
    );
  }
  project.provide('postgresAdminUrl', cluster?.url ?? null);
  project.provide('postgresBinaries', binaries);
  return async () => {
    await cluster?.destroy();
  };
}
