/**
 * Bundles one Lambda entry point with esbuild's JS API (the CLI that CDK's NodejsFunction
 * drives cannot take plugins). Used by CDK's local bundling and by the benchmark.
 *
 * Usage: node infra/bundling/bundle-function.ts <entry.ts> <outdir>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

/**
 * zod 4 re-exports every locale from its namespace object, and the namespace is used whole
 * (zod-openapi extends it), so tree shaking cannot drop them: ~400 KB of error messages in
 * fifty languages. The API only speaks English, so the locale index is replaced by English alone.
 */
export const englishOnlyZodLocales: Plugin = {
  name: 'zod-english-only',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes('/node_modules/zod/')
        ? { path: resolve(args.resolveDir, args.path), namespace: 'zod-locales' }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

export async function bundleFunction(entry: string, outdir: string): Promise<{ bytes: number }> {
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: [entry],
    outfile: join(outdir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    sourcemap: true,
    mainFields: ['module', 'main'],
    // The Lambda runtime ships the AWS SDK v3.
    external: ['@aws-sdk/*'],
    // Some dependencies still call require(); give the ESM bundle one.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    plugins: [englishOnlyZodLocales],
    metafile: true,
    logLevel: 'warning',
  });
  writeFileSync(join(outdir, 'package.json'), '{"type":"module"}\n');
  const output = Object.values(result.metafile.outputs).find((out) => out.entryPoint !== undefined);
  return { bytes: output?.bytes ?? 0 };
}

if (import.meta.main) {
  const [entry, outdir] = process.argv.slice(2);
  if (!entry || !outdir) {
    console.error('usage: node infra/bundling/bundle-function.ts <entry.ts> <outdir>');
    process.exit(2);
  }
  await bundleFunction(resolve(entry), resolve(outdir));
}
