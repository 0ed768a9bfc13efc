import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles `pvesnap` into one ES module with its dependencies (commander, yaml, openapi-fetch):
 * copy the file anywhere with Node 24 and run it, no node_modules needed.
 */
export async function buildCli(outfile: string): Promise<{ readonly bytes: number }> {
  await build({
    entryPoints: [fileURLToPath(new URL('./main.ts', import.meta.url))],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    legalComments: 'none',
    // commander is CommonJS and requires Node's modules; an ES module has no `require` of its own.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return { bytes: (await stat(outfile)).size };
}
