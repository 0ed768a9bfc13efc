import { App, Names, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { uniqueIdOutsideWirings, WiredStack, Wiring } from '#infra/constructs/wiring.ts';

describe('wirings', () => {
  it('leave the logical ids of what they hold as if it were declared in the stack itself', () => {
    const app = new App();
    const plain = new Stack(app, 'Plain');
    new Queue(new Construct(plain, 'Group'), 'Inner');
    new Queue(plain, 'Top');
    const wired = new WiredStack(app, 'Wired');
    const wiring = new Wiring(wired, 'Wiring');
    new Queue(new Construct(new Wiring(wiring, 'Nested'), 'Group'), 'Inner');
    new Queue(wiring, 'Top');
    const ids = (stack: Stack) =>
      Object.keys(Template.fromStack(stack).findResources('AWS::SQS::Queue')).sort();
    expect(ids(wired)).toEqual(ids(plain));
    expect(ids(wired)).toHaveLength(2);
  });

  it('leave ids derived from a construct’s path (event source mappings) unchanged too', () => {
    const app = new App();
    const plain = new Queue(new Stack(app, 'Same'), 'Queue');
    const wired = new Queue(new Wiring(new WiredStack(new App(), 'Same'), 'Pipeline'), 'Queue');
    expect(uniqueIdOutsideWirings(wired)).toBe(Names.nodeUniqueId(plain.node));
    expect(Names.nodeUniqueId(wired.node)).not.toBe(Names.nodeUniqueId(plain.node));
  });
});
