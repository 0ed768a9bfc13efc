import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, generateApiTypes } from '../../client/generate/api-types.ts';

describe('the committed API client types', () => {
  it('are what the current OpenAPI document generates (run `npm run generate:client` after an API change)', async () => {
    const committed = await readFile(API_TYPES_FILE, 'utf8');
    expect(committed).toBe(await generateApiTypes());
  });
});
