import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { StatefulStack } from '#infra/stateful-stack.ts';

const replicasOf = (stack: StatefulStack) =>
  Object.values(
    Template.fromStack(stack).findResources('AWS::DynamoDB::GlobalTable'),
  )[0]?.Properties.Replicas.map((replica: { Region: unknown }) => replica.Region);

describe('the table’s replica region', () => {
  it('adds a replica in the region the replicaRegion context names, beside the stack’s own', () => {
    const stack = new StatefulStack(new App(), 'Stateful', {
      env: { region: 'eu-central-1' },
      replicaRegion: 'eu-west-1',
    });
    expect(replicasOf(stack)).toEqual(expect.arrayContaining(['eu-west-1']));
    expect(replicasOf(stack)).toHaveLength(2);
  });

  it('keeps a single-region table without it', () => {
    expect(replicasOf(new StatefulStack(new App(), 'Stateful'))).toHaveLength(1);
  });

  it('refuses a replica region when the stacks have no region of their own', () => {
    const saved = process.env.CDK_DEFAULT_REGION;
    delete process.env.CDK_DEFAULT_REGION;
    try {
      const app = new App({
        context: {
          'pve-snapshots:jwtIssuer': 'https://auth.example.com/',
          'pve-snapshots:jwtAudience': 'a',
          'pve-snapshots:replicaRegion': 'eu-west-1',
          'aws:cdk:bundling-stacks': [],
        },
      });
      expect(() => buildApp(app)).toThrow('pve-snapshots:replicaRegion needs the stacks');
    } finally {
      if (saved !== undefined) process.env.CDK_DEFAULT_REGION = saved;
    }
  });
});
