import { chmod } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildCli } from './build.ts';

// `npm run build:cli`: dist/pvesnap.mjs, executable.
const outfile = fileURLToPath(new URL('../dist/pvesnap.mjs', import.meta.url));
const { bytes } = await buildCli(outfile);
await chmod(outfile, 0o755);
process.stdout.write(`wrote ${outfile} (${Math.round(bytes / 1024)} KB)\n`);
