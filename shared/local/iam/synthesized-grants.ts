import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { buildApp } from '#infra/app.ts';
import { grantsFromTemplates, type LocalGrants, type Template } from './template-grants.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The grants of the deployed service: the same CDK app `npx cdk synth` synthesizes, with the
 * context of `cdk.json`, only without bundling the functions' code (which no grant depends on;
 * CDK skips it as `cdk synth --exclusively` does for stacks it does not deploy).
 */
export function synthesizeGrants(): LocalGrants {
  const { context } = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const outdir = mkdtempSync(join(tmpdir(), 'local-grants-'));
  try {
    const built = buildApp(new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] }, outdir }));
    const assembly = built.app.synth();
    const templates = [built.stateful, built.stateless].map(
      (stack) => assembly.getStackByName(stack.stackName).template as Template,
    );
    return grantsFromTemplates(templates);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
