import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../support/postgres-cluster.js';
import { spawnServer, type ServerProcess } from '../support/server-process.js';
import { syntheticDataset, trainDirectly } from '../support/training-fixtures.js';
import { api, waitUntil } from '../support/server-api.js';

const adminUrl = inject('postgresAdminUrl');

const regression = syntheticDataset(64, 4, 1, 41);
const classes = syntheticDataset(64, 4, 3, 42);

/** Six kinds of job, five of each: every optimizer, mini-batches, shuffling, validation. */
const KINDS = [
  {
    network: {
      inputSize: 4,
      layers: [
        { units: 16, activation: 'tanh' },
        { units: 1, activation: 'linear' },
      ],
      loss: 'meanSquaredError',
    },
    dataset: regression,
    training: { epochs: 2500, batchSize: 16, optimizer: { type: 'adam' } },
  },
  {
    network: {
      inputSize: 4,
      layers: [
        { units: 16, activation: 'relu' },
        { units: 3, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
    },
    dataset: classes,
    training: {
      epochs: 2500,
      batchSize: 20,
      optimizer: { type: 'momentum', learningRate: 0.05 },
      validationSplit: 0.25,
    },
  },
  {
    network: {
      inputSize: 4,
      layers: [
        { units: 12, activation: 'sigmoid' },
        { units: 1, activation: 'tanh' },
      ],
      loss: 'meanSquaredError',
    },
    dataset: regression,
    training: { epochs: 2500, optimizer: { type: 'rmsprop' }, shuffle: false },
  },
  {
    network: {
      inputSize: 4,
      layers: [
        { units: 16, activation: 'leakyRelu' },
        { units: 3, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
    },
    dataset: classes,
    training: { epochs: 2500, batchSize: 32, optimizer: { type: 'adagrad', learningRate: 0.05 } },
  },
  {
    network: {
      inputSize: 4,
      layers: [
        { units: 16, activation: 'tanh' },
        { units: 1, activation: 'linear' },
      ],
      loss: 'meanSquaredError',
    },
    dataset: regression,
    training: { epochs: 2500, batchSize: 16, optimizer: { type: 'sgd', learningRate: 0.02 } },
  },
  {
    network: {
      inputSize: 4,
      layers: [
        { units: 8, activation: 'tanh' },
        { units: 8, activation: 'relu' },
        { units: 3, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
    },
    dataset: classes,
    training: { epochs: 2500, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.003 } },
  },
];
const JOBS = Array.from({ length: 30 }, (_, index) => {
  const kind = KINDS[index % KINDS.length];
  return { ...kind, training: { ...kind.training, seed: 100 + index } };
});

describe.skipIf(!adminUrl)(
  'three replicas on one PostgreSQL database, one killed with SIGKILL',
  () => {
    let database: { url: string; drop(): Promise<void> };
    let db: pg.Client;
    const replicas: ServerProcess[] = [];
    beforeAll(async () => {
      database = await createTestDatabase(adminUrl!, 'chainrule_replicas');
    });
    afterAll(async () => {
      for (const replica of replicas) replica.child.kill('SIGKILL');
      await db?.end();
      await database?.drop();
    });

    it('train all 30 jobs as one process does, each attempt alone, each epoch once', async () => {
      // Short leases: survivors take over the killed replica's jobs 2 s after its last heartbeat.
      const env = {
        DATABASE_URL: database.url,
        WORKERS: '1',
        LEASE_SECONDS: '2',
        CHECKPOINT_EVERY_EPOCHS: '100',
      };
      for (let index = 0; index < 3; index++) replicas.push(await spawnServer(env));
      db = new pg.Client({ connectionString: database.url });
      await db.connect();

      const ids: string[] = [];
      for (const [index, job] of JOBS.entries()) {
        const created = await api(replicas[index % 3], 'POST', '/v1/jobs', job);
        expect(created.status).toBe('queued');
        ids.push(created.id);
      }

      // Kill a replica while one of its jobs is past a checkpoint and far from done.
      let victim: ServerProcess | undefined;
      await waitUntil(async () => {
        const { rows } = await db.query(`SELECT lease_owner FROM jobs
        WHERE status = 'running' AND epoch BETWEEN 250 AND epochs - 300`);
        const pids = rows.map((row) => Number(String(row.lease_owner).split('/')[1]));
        victim = replicas.find((replica) => pids.includes(replica.child.pid!));
        return victim !== undefined;
      }, 'a replica is mid-training');
      victim!.child.kill('SIGKILL');
      expect(await victim!.exited).toBe('SIGKILL');
      const survivors = replicas.filter((replica) => replica !== victim);

      await waitUntil(async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS open FROM jobs WHERE status IN ('queued', 'running')`,
        );
        return rows[0].open === 0;
      }, 'every job ended');
      const jobs = await Promise.all(
        ids.map((id, index) => api(survivors[index % 2], 'GET', `/v1/jobs/${id}`)),
      );
      expect(jobs.map((job) => job.status)).toEqual(JOBS.map(() => 'succeeded'));
      const retried = jobs.filter((job) => job.attempts > 1);
      expect(retried.length).toBeGreaterThan(0);

      // The audit: one row per attempt, all closed, none overlapping the next in database time.
      const { rows: counts } = await db.query(`SELECT j.id, j.attempts, count(a.*)::int AS rows,
        count(a.ended_at)::int AS closed FROM jobs j JOIN job_attempts a ON a.job_id = j.id
        GROUP BY j.id, j.attempts`);
      expect(counts).toHaveLength(30);
      for (const row of counts)
        expect([row.rows, row.closed]).toEqual([row.attempts, row.attempts]);
      const { rows: overlaps } = await db.query(`SELECT a.job_id, a.attempt FROM job_attempts a
        JOIN job_attempts b ON b.job_id = a.job_id AND b.attempt > a.attempt
       WHERE b.started_at < a.ended_at OR a.ended_at < a.started_at`);
      expect(overlaps).toEqual([]);
      const { rows: taken } = await db.query(
        `SELECT count(*)::int AS n FROM job_attempts WHERE outcome = 'lease_expired'
        AND owner LIKE $1`,
        [`%/${victim!.child.pid}/%`],
      );
      expect(taken[0].n).toBeGreaterThan(0);

      // Every history holds epochs 1..N once: the key forbids repeats, the count and bounds gaps.
      const { rows: histories } = await db.query(`SELECT j.id, j.epochs, count(h.*)::int AS rows,
        min(h.epoch) AS first, max(h.epoch) AS last
        FROM jobs j JOIN job_history h ON h.job_id = j.id GROUP BY j.id, j.epochs`);
      for (const history of histories) {
        expect([history.rows, history.first, history.last]).toEqual([
          history.epochs,
          1,
          history.epochs,
        ]);
      }
      expect(histories).toHaveLength(30);

      const references = new Map<string, unknown>();
      for (const [index, job] of jobs.entries()) {
        const model = await api(survivors[index % 2], 'GET', `/v1/jobs/${job.id}/model`);
        const key = JSON.stringify(job.training);
        if (!references.has(key))
          references.set(key, trainDirectly(job.network, JOBS[index].dataset, job.training));
        expect(model.layers.map(({ W, b }: { W: number[][]; b: number[] }) => ({ W, b }))).toEqual(
          references.get(key),
        );
      }

      console.info(
        `replicas: 3, killed: 1 (pid ${victim!.child.pid}); jobs: 30 succeeded; attempts: ` +
          `${jobs.reduce((total, job) => total + job.attempts, 0)}; ` +
          `retried jobs: ${retried.length}`,
      );
      for (const survivor of survivors) survivor.child.kill('SIGTERM');
      for (const survivor of survivors) expect(await survivor.exited).toBe(0);
    }, 300_000);
  },
);
