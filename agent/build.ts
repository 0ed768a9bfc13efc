/**
 * Builds the agent as one file that runs on the Node.js Debian 13 / Proxmox VE 9 install with
 * `apt install nodejs` (Node 20): `npm run build:agent` writes dist/agent/pve-snapshots-agent.mjs
 * and the systemd unit next to it.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { englishOnlyZodLocales } from '../infra/bundling/bundle-function.ts';

export const AGENT_FILE = 'pve-snapshots-agent.mjs';

export async function buildAgent(outdir: string): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, AGENT_FILE);
  await build({
    entryPoints: [join(import.meta.dirname, 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    // ws loads these native speed-ups only when present; the agent runs without them.
    external: ['bufferutil', 'utf-8-validate'],
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    plugins: [englishOnlyZodLocales],
    logLevel: 'warning',
  });
  copyFileSync(
    join(import.meta.dirname, 'packaging', 'pve-snapshots-agent.service'),
    join(outdir, 'pve-snapshots-agent.service'),
  );
  return outfile;
}

if (import.meta.main) {
  const outfile = await buildAgent(process.argv[2] ?? join('dist', 'agent'));
  console.log(`agent written to ${outfile}`);
}
