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
    // API, connector, eight policy-run steps, two guest-operation steps, the daily sweep and the notifier, each bundled from its own entry.
    expect(assets).toHaveLength(14);
    const sizes = assets.map((asset) => statSync(join(outdir, asset, 'index.mjs')).size);
    // Only the connector (undici, the Proxmox client) and the notifier (undici, nodemailer) carry
    // HTTP and SMTP clients: the notifier stays under 1.5 MiB, every other function under 1 MiB.
    const sorted = [...sizes].sort((a, b) => b - a);
    expect(sorted[0]).toBeLessThan(1.5 * 1024 * 1024);
    for (const size of sorted.slice(1)) expect(size).toBeLessThan(1024 * 1024);
    expect(Math.min(...sizes)).toBeLessThan(500 * 1024);
  }, 120_000);
});
