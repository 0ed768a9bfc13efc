import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
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
    // Each of the service's own functions (Node.js 24; CDK's deployment function for the console
    // files is not one) is bundled from its own entry into an asset of its own.
    const template = JSON.parse(
      readFileSync(join(outdir, 'PveSnapshotsStateless.template.json'), 'utf8'),
    ) as {
      Resources: Record<
        string,
        { Type: string; Properties: { Runtime?: string; Code?: { S3Key?: string } } }
      >;
    };
    const functions = Object.values(template.Resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Runtime === 'nodejs24.x',
    );
    const assets = functions.map((fn) => `asset.${String(fn.Properties.Code?.S3Key).replace(/\.zip$/, '')}`);
    // API, connector, twelve workflow steps (the hook step and the restore-test step among them),
    // the ended-execution handler, the sweep's and the RPO check's planners and workers, the
    // notifier, the agents' authorizer and WebSocket routes.
    expect(new Set(assets).size).toBe(22);
    const sizes = assets.map((asset) => statSync(join(outdir, asset, 'index.mjs')).size);
    // Only the connector (undici for Proxmox, the agents' connection client), the notifier
    // (undici, nodemailer) and the hook step (undici for HTTPS hooks) carry HTTP and SMTP clients:
    // those three stay under 1.5 MiB, every other function under 1 MiB.
    const sorted = [...sizes].sort((a, b) => b - a);
    for (const size of sorted.slice(0, 3)) expect(size).toBeLessThan(1.5 * 1024 * 1024);
    for (const size of sorted.slice(3)) expect(size).toBeLessThan(1024 * 1024);
    expect(Math.min(...sizes)).toBeLessThan(500 * 1024);
  }, 120_000);
});
