import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import {
  acknowledgeInvoke,
  acknowledgeWildcard,
  tableIndexesArn,
} from '#infra/constructs/nag-acknowledgements.ts';
import { ServiceTable } from '#infra/constructs/service-table.ts';

/** The IAM5 findings cdk-nag reports left unacknowledged, for a reader of a table in another stack. */
function unacknowledgedFindings(acknowledge: boolean): string[] {
  const outdir = mkdtempSync(join(tmpdir(), 'nag-ack-'));
  const app = new App({ outdir });
  const table = new ServiceTable(new Stack(app, 'Owner'), 'Data', { retain: false }).table;
  const consumer = new Stack(app, 'Consumer');
  const fn = (id: string) =>
    new LambdaFunction(consumer, id, {
      code: Code.fromInline('export const handler = () => {}'),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_24_X,
    });
  const reader = fn('Reader');
  const callee = fn('Callee');
  table.grantReadData(reader);
  callee.grantInvoke(reader);
  if (acknowledge) {
    acknowledgeWildcard(
      reader,
      tableIndexesArn(reader, table),
      'GSIs are addressable only as <table>/index/*.',
    );
    acknowledgeInvoke(reader, callee, 'Versions and aliases of one function.');
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch {
    // Unacknowledged findings fail synthesis; the report says which.
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
  return JSON.stringify(report).match(/AwsSolutions-IAM5\[Resource::[^\]]*\]/g) ?? [];
}

describe('computed cdk-nag acknowledgement ids', () => {
  it('name exactly the wildcard resources cdk-nag finds, across stacks and for function versions', () => {
    const found = unacknowledgedFindings(false);
    expect(found.some((id) => id.includes('/index/*'))).toBe(true);
    expect(found.some((id) => id.endsWith('.Arn>:*]'))).toBe(true);
    expect(unacknowledgedFindings(true)).toEqual([]);
  });
});
