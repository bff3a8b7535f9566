import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { HTTP_ERROR_CODES, JOB_ERROR_CODES } from '../errors.js';

const DESCRIPTION = `Chainrule trains small neural networks over HTTP with its own reverse-mode
automatic differentiation engine. Send a network definition and a dataset, get a job id at once,
then poll the job, its cost after every epoch and the learned weights \`W\` and biases \`b\`.

Errors are \`application/problem+json\` with a stable \`code\`. HTTP codes:
${Object.entries(HTTP_ERROR_CODES)
  .map(([code, status]) => `\`${code}\` (${status})`)
  .join(', ')}.
Codes of a failed job's \`error\`: ${JOB_ERROR_CODES.map((code) => `\`${code}\``).join(', ')}.`;

type RouteDocument = Parameters<typeof jsonSchemaTransform>[0];

/**
 * The zod-to-OpenAPI transform, extended to bodies declared per content type
 * (`body: { content: { 'text/csv': { schema } } }`), which the library only accepts as one schema.
 */
function transformRoute(document: RouteDocument): ReturnType<typeof jsonSchemaTransform> {
  const body = document.schema?.body as
    { content?: Record<string, { schema: unknown }> } | undefined;
  if (!body?.content) return jsonSchemaTransform(document);

  const { body: _body, ...rest } = document.schema!;
  const base = jsonSchemaTransform({ ...document, schema: rest });
  const content = Object.fromEntries(
    Object.entries(body.content).map(([type, { schema }]) => {
      const converted = jsonSchemaTransform({
        ...document,
        schema: { body: schema } as RouteDocument['schema'],
      });
      return [type, { schema: (converted.schema as { body: unknown }).body }];
    }),
  );
  return { ...base, schema: { ...base.schema, body: { content } } };
}

/**
 * The OpenAPI 3.1 document, generated from the routes' zod schemas, served at /openapi.json,
 * with Swagger UI at /docs. The same document is committed as openapi/openapi.json.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Chainrule', version: '1.0.0', description: DESCRIPTION },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key from API_KEYS, as `Authorization: Bearer <key>`. Needed on /v1 routes ' +
              'when the service has keys configured; without keys the API is open.',
          },
        },
      },
      security: [{ bearerAuth: [] }],
      tags: [
        { name: 'datasets', description: 'Training data, stored as float64.' },
        { name: 'networks', description: 'Network definitions: layers, activations, loss.' },
        { name: 'jobs', description: 'Training jobs, their history and their models.' },
        {
          name: 'models',
          description: 'Use a trained model: predict, export to ONNX and TF.js, see its graph.',
        },
        {
          name: 'gradients',
          description: "The chain rule at work: every node's value and gradient.",
        },
        { name: 'operations', description: 'Health, readiness, Prometheus metrics.' },
      ],
    },
    transform: transformRoute,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
