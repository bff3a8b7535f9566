import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateOpenApiDocument } from '../../src/api/openapi-document.js';
import { HTTP_ERROR_CODES, JOB_ERROR_CODES } from '../../src/errors.js';

describe('the OpenAPI document', () => {
  it('is committed as openapi/openapi.json exactly as the app serves it (run npm run openapi)', async () => {
    const committed = await readFile(new URL('../../openapi/openapi.json', import.meta.url), 'utf8');
    expect(committed).toBe(await generateOpenApiDocument());
  });

  it('lists every error code of the error module', async () => {
    const document = JSON.parse(await generateOpenApiDocument());
    const listed: string[] = document.components.schemas.ErrorCode.enum;
    expect([...listed].sort()).toEqual([...Object.keys(HTTP_ERROR_CODES), ...JOB_ERROR_CODES].sort());
  });
});
