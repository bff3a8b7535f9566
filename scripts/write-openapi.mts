// `npm run openapi`: regenerates openapi/openapi.json from the route schemas.
import { mkdir, writeFile } from 'node:fs/promises';
import { generateOpenApiDocument } from '../src/api/openapi-document.js';

const target = new URL('../openapi/openapi.json', import.meta.url);
await mkdir(new URL('.', target), { recursive: true });
await writeFile(target, await generateOpenApiDocument());
console.log('wrote openapi/openapi.json');
