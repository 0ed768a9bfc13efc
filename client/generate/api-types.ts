import { loadOpenApiDocument } from './openapi-document.ts';
import { openApiToTypeScript } from './openapi-to-typescript.ts';

/** Where the generated types are committed. */
export const API_TYPES_FILE = new URL('../api-types.ts', import.meta.url);

/** The text `client/api-types.ts` must hold for the current API contract. */
export async function generateApiTypes(): Promise<string> {
  return openApiToTypeScript(await loadOpenApiDocument());
}
