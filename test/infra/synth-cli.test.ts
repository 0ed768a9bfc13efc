import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npx cdk synth', () => {
  it('synthesizes both stacks offline with the pinned CLI and bundles each function', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cdk-cli-'));
    const result = spawnSync('npx', ['--no-install', 'cdk', 'synth', '--quiet', '-o', outdir], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(join(outdir, 'PveSnapshotsStateful.template.json'))).toBe(true);
    expect(existsSync(join(outdir, 'PveSnapshotsStateless.template.json'))).toBe(true);
    const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    // API, connector, seven policy-run steps, two guest-operation steps and the daily sweep, each bundled from its own entry.
    expect(assets).toHaveLength(12);
    const sizes = assets.map((asset) => statSync(join(outdir, asset, 'index.mjs')).size);
    // Only the connector carries undici and the Proxmox client; every function stays under 1 MiB.
    for (const size of sizes) expect(size).toBeLessThan(1024 * 1024);
    expect(Math.min(...sizes)).toBeLessThan(500 * 1024);
  }, 120_000);
});
