import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  definitionSources,
  definitionSourcesHash,
  loadWorkflowDefinitions,
} from '#shared/local/workflows/definition-cache.ts';
import {
  type LocalWorkflows,
  synthesizePolicyRunDefinitions,
} from '#shared/local/workflows/synthesized-definition.ts';

const ENTRY = 'shared/local/workflows/synthesized-definition.ts';

const temporary: string[] = [];
const temporaryDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** A checkout in miniature: the synthesis entry, a construct it imports, and a CDK package. */
function miniatureCheckout() {
  const root = temporaryDir('definition-cache-');
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('package.json', JSON.stringify({ imports: { '#infra/*': './infra/*', '#shared/*': './shared/*' } }));
  write('node_modules/aws-cdk-lib/package.json', JSON.stringify({ version: '2.0.0' }));
  write(
    ENTRY,
    [
      "import { App } from 'aws-cdk-lib';",
      "import { Flow } from '#infra/constructs/flow.ts';",
      'export const build = () => new Flow(new App());',
    ].join('\n'),
  );
  write(
    'infra/constructs/flow.ts',
    [
      "import type { Shape } from './shape.ts';",
      "import {\n  wait,\n} from './timing.ts';",
      'export class Flow { seconds = wait; }',
    ].join('\n'),
  );
  write('infra/constructs/timing.ts', 'export const wait = 3;');
  write('infra/constructs/shape.ts', 'export type Shape = { a: number };');
  write('shared/api/app.ts', 'export const app = 1;');
  return { root, write, cacheDir: join(root, '.cache', 'workflow-definitions') };
}

/** Distinct stand-in definitions, one per synthesis, with a counter of how often it ran. */
function countingSynthesis() {
  let calls = 0;
  return {
    calls: () => calls,
    synthesize: (): LocalWorkflows => {
      calls += 1;
      const arn = `arn:aws:states:local:000000000000:stateMachine:Run${calls}`;
      return {
        definitions: { [arn]: { StartAt: 'A', States: {} } },
        types: { [arn]: 'STANDARD' },
        policyRunArn: arn,
        operationArn: arn,
        laneArn: arn,
        fastLaneArn: arn,
        restoreTestArn: arn,
      };
    },
  };
}

describe('the workflow definition cache', () => {
  it('holds the definitions exactly as CDK synthesizes them, and the runtime reads them from there', async () => {
    const synthesized = synthesizePolicyRunDefinitions();
    const cacheDir = temporaryDir('definition-cache-real-');
    const first = await loadWorkflowDefinitions({ cacheDir, synthesize: () => synthesized });
    const second = await loadWorkflowDefinitions({
      cacheDir,
      synthesize: () => {
        throw new Error('synthesized although the cache holds these sources');
      },
    });
    expect(JSON.stringify(first)).toBe(JSON.stringify(synthesized));
    expect(JSON.stringify(second)).toBe(JSON.stringify(synthesized));
    // The checkout's own cache (filled by the test run's global setup or any `npm start`) too.
    expect(JSON.stringify(await loadWorkflowDefinitions())).toBe(JSON.stringify(synthesized));
  }, 120_000);

  it('keys the definitions by every construct the synthesis imports and the CDK version', () => {
    const sources = definitionSources(process.cwd());
    expect(sources.files).toEqual(
      expect.arrayContaining([
        ENTRY,
        'infra/constructs/policy-run-workflow.ts',
        'infra/constructs/guest-operation-workflow.ts',
        'infra/constructs/state-machine-role-acknowledgements.ts',
      ]),
    );
    expect(sources.files.filter((file) => file.startsWith('shared/api/'))).toEqual([]);
    expect(sources.packages).toContainEqual(expect.stringMatching(/^aws-cdk-lib@\d+\.\d+\.\d+/));
  });

  it('synthesizes again after a change to an imported source or the CDK version, and only then', async () => {
    const { root, write, cacheDir } = miniatureCheckout();
    const { calls, synthesize } = countingSynthesis();
    const load = () => loadWorkflowDefinitions({ root, cacheDir, synthesize });

    const first = await load();
    expect(calls()).toBe(1);
    expect(await load()).toEqual(first);
    expect(calls()).toBe(1);

    // Neither an unrelated file nor one imported only for its types changes the definitions.
    write('shared/api/app.ts', 'export const app = 2;');
    write('infra/constructs/shape.ts', 'export type Shape = { a: string };');
    await load();
    expect(calls()).toBe(1);

    // A file the construct imports (through a multi-line import) does.
    write('infra/constructs/timing.ts', 'export const wait = 30;');
    const afterChange = await load();
    expect(calls()).toBe(2);
    expect(afterChange).not.toEqual(first);
    await load();
    expect(calls()).toBe(2);

    // So does the construct itself, and a file it starts to import.
    write(
      'infra/constructs/flow.ts',
      "import { wait } from './timing.ts';\nimport { extra } from '#infra/constructs/extra.ts';\nexport const f = [wait, extra];",
    );
    write('infra/constructs/extra.ts', 'export const extra = 1;');
    await load();
    expect(calls()).toBe(3);
    write('infra/constructs/extra.ts', 'export const extra = 2;');
    await load();
    expect(calls()).toBe(4);

    write('node_modules/aws-cdk-lib/package.json', JSON.stringify({ version: '2.1.0' }));
    await load();
    expect(calls()).toBe(5);

    // Only the current entry is kept.
    expect(readdirSync(cacheDir).filter((name) => name.endsWith('.json'))).toEqual([
      `${definitionSourcesHash(root)}.json`,
    ]);
  });

  it('synthesizes again when the cached file is damaged', async () => {
    const { root, cacheDir } = miniatureCheckout();
    const { calls, synthesize } = countingSynthesis();
    const first = await loadWorkflowDefinitions({ root, cacheDir, synthesize });
    writeFileSync(join(cacheDir, `${definitionSourcesHash(root)}.json`), '{"key":');
    const again = await loadWorkflowDefinitions({ root, cacheDir, synthesize });
    expect(calls()).toBe(2);
    expect(again.policyRunArn).not.toBe(first.policyRunArn);
  });

  it('lets npm start load its definitions without loading the CDK when the cache is current', async () => {
    await loadWorkflowDefinitions();
    const script = `
      import { createRequire } from 'node:module';
      const { loadWorkflowDefinitions } = await import('#shared/local/workflows/definition-cache.ts');
      const workflows = await loadWorkflowDefinitions();
      const cdkLoaded = Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('aws-cdk-lib'));
      process.stdout.write(JSON.stringify({ machines: Object.keys(workflows.definitions).length, cdkLoaded }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(JSON.parse(stdout)).toEqual({ machines: 5, cdkLoaded: false });
  });
});
