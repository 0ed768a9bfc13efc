import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { API_TYPES_FILE, generateApiTypes } from './api-types.ts';

// `npm run generate:client`: writes the API client's types from the service's contract.
await writeFile(API_TYPES_FILE, await generateApiTypes());
process.stdout.write(`wrote ${fileURLToPath(API_TYPES_FILE)}\n`);
