import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Migration {
  /** The file's number, e.g. 1 for 0001_create_jobs.sql. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * The numbered .sql files of one backend, in order. They live in migrations/<backend>/ at the
 * project root, found from this module whether it runs from src/ (tsx) or dist/src/ (built).
 */
export function loadMigrations(backend: 'sqlite' | 'postgres'): Migration[] {
  const directory = findMigrationsDirectory(backend);
  const migrations = readdirSync(directory)
    .filter((file) => /^\d{4}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file,
      sql: readFileSync(`${directory}/${file}`, 'utf8'),
    }));
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migration ${migration.name} is out of sequence: expected number ${index + 1}`,
      );
    }
  });
  return migrations;
}

function findMigrationsDirectory(backend: string): string {
  for (const up of ['../../migrations', '../../../migrations']) {
    const candidate = fileURLToPath(new URL(`${up}/${backend}`, import.meta.url));
    try {
      readdirSync(candidate);
      return candidate;
    } catch {
      // Try the next layout.
    }
  }
  throw new Error(`migrations/${backend} not found next to the application`);
}
