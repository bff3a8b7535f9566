// The reference for `npm run bench:api`: bare Fastify routes in their own process, no plugins,
// no database, no logging. /bare answers a tiny object; /bare-job answers BARE_BODY and
// /bare-history BARE_HISTORY (the bench passes a job as GET /v1/jobs/{id} shows it and the first
// page of its history, to separate the payload's cost). Those two are sent as JSON text made
// once, as the service sends a cached answer: the reference is the cost of the bytes alone.
// Prints its URL on stdout.
import Fastify from 'fastify';

const jobBody = process.env.BARE_BODY ?? '{}';
const historyBody = process.env.BARE_HISTORY ?? '{}';
const app = Fastify({ logger: false });
app.get('/bare', async () => ({ status: 'ok' }));
app.get('/bare-job', async (request, reply) => reply.type('application/json').send(jobBody));
app.get('/bare-history', async (request, reply) =>
  reply.type('application/json').send(historyBody),
);
const url = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(url);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
