// The reference for `npm run bench:api`: bare Fastify routes in their own process, no plugins,
// no database, no logging. /bare answers a tiny object; /bare-job answers BARE_BODY as it is
// (the bench passes a job as GET /v1/jobs/{id} shows it, to separate the payload's cost).
// Prints its URL on stdout.
import Fastify from 'fastify';

const jobBody = JSON.parse(process.env.BARE_BODY ?? '{}');
const app = Fastify({ logger: false });
app.get('/bare', async () => ({ status: 'ok' }));
app.get('/bare-job', async () => jobBody);
const url = await app.listen({ port: 0, host: '127.0.0.1' });
console.log(url);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
