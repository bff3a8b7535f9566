/**
 * `npm run bench:api`: what the service costs on top of the engine. Figures only: nothing here
 * fails on timing, and every load phase is bounded (PHASE_SECONDS each).
 *
 * 1. Polls while both cores train. The built service runs in its own process as `npm start`
 *    runs it (WORKERS=2, LOG_LEVEL=info, logs to /dev/null); bare Fastify routes run in another
 *    (one answering a tiny object, one a job's JSON as GET /v1/jobs/{id} does, one the first
 *    page of its history: the payload's own cost, apart from the service's).
 *    autocannon (10 connections) measures them and GET /v1/jobs/{id} idle and, while two long
 *    jobs train, next to GET /v1/jobs/{id}, the first history page, and an incremental history
 *    poll. Two kinds of long job: slow epochs (2-32-32-1 on 64 rows: a few thousand history rows
 *    a second) and the lecture's 2-10-1 XOR (microsecond epochs: every one is a history row to
 *    store).
 * 2. Overhead per job. 1,000 tiny jobs (W1: XOR 2-2-1, sgd 0.1, full batch, 100 epochs) through
 *    an in-process service over real HTTP, one at a time (submit → succeeded, seen through the
 *    service's status events) and all at once, against the engine alone training the same jobs.
 *
 * 3. A busy core next to the polls: the service and autocannon each pinned to a CPU, with a
 *    busy loop at idle priority on the service's CPU, then on the other (see api/interference.ts).
 *
 *   npm run bench:api   (PHASE_SECONDS=3, ROUNDS=3 by default; PARTS=polls, PARTS=overhead or
 *                        PARTS=interference for one part)
 */
import { agent } from './api/http-client.js';
import { measureInterference } from './api/interference.js';
import { measureOverhead } from './api/overhead.js';
import { measurePolls } from './api/polls.js';

const parts = (process.env.PARTS ?? 'polls,overhead,interference').split(',');
if (parts.includes('polls')) await measurePolls();
if (parts.includes('overhead')) await measureOverhead();
if (parts.includes('interference')) await measureInterference();
agent.destroy();
