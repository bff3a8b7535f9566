import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateOpenApiDocument } from '../../src/api/openapi-document.js';
import { HTTP_ERROR_CODES, JOB_ERROR_CODES } from '../../src/errors.js';
import { jobWithModel, weightsFor } from '../support/jobs.js';
import type { NetworkDefinition } from '../../src/engine/index.js';
import { XOR_NETWORK } from '../../src/api/schemas/examples.js';
import { createTestApp } from '../support/app.js';

describe('the OpenAPI document', () => {
  it('is committed as openapi/openapi.json exactly as served (npm run openapi)', async () => {
    const committed = await readFile(
      new URL('../../openapi/openapi.json', import.meta.url),
      'utf8',
    );
    expect(committed).toBe(await generateOpenApiDocument());
  });

  it('lists every error code of the error module', async () => {
    const document = JSON.parse(await generateOpenApiDocument());
    const listed: string[] = document.components.schemas.ErrorCode.enum;
    expect([...listed].sort()).toEqual(
      [...Object.keys(HTTP_ERROR_CODES), ...JOB_ERROR_CODES].sort(),
    );
  });
});

describe('the examples of the OpenAPI document', () => {
  it('are accepted by their routes, so that "Try it out" works without typing', async () => {
    const document = JSON.parse(await generateOpenApiDocument());
    const t = await createTestApp();
    const tried: string[] = [];
    // Routes on one job (predict) need a finished job of the examples' network to answer 2xx.
    const network = XOR_NETWORK as unknown as NetworkDefinition;
    const jobId = await jobWithModel(t, network, weightsFor(network));
    try {
      for (const [path, operations] of Object.entries<Record<string, Operation>>(document.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          for (const [type, content] of Object.entries(operation.requestBody?.content ?? {})) {
            const schema = content.schema.$ref
              ? document.components.schemas[content.schema.$ref.split('/').pop()!]
              : content.schema;
            const example = content.example ?? schema.examples?.[0];
            expect(example, `${method} ${path} ${type}`).toBeDefined();
            const query = type === 'text/csv' ? '?targets=y' : '';
            const url = path.replace('{id}', jobId);
            const response = await t.app.inject({
              method: method.toUpperCase() as 'POST',
              url: `${url}${query}`,
              headers: { 'content-type': type },
              payload: typeof example === 'string' ? example : JSON.stringify(example),
            });

            expect(response.statusCode, `${method} ${path} ${type}: ${response.body}`).toBeLessThan(
              300,
            );
            tried.push(`${method} ${path} ${type}`);
          }
        }
      }
    } finally {
      await t.close();
    }
    expect(tried).toEqual(
      expect.arrayContaining([
        'post /v1/datasets application/json',
        'post /v1/datasets text/csv',
        'post /v1/networks application/json',
        'post /v1/jobs application/json',
      ]),
    );
  });
});

interface Operation {
  requestBody?: {
    content: Record<string, { example?: unknown; schema: { $ref?: string; examples?: unknown[] } }>;
  };
}
