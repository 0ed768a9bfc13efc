import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { createDocumentClient, localClientConfig } from '#shared/adapters/dynamo/client.ts';
import { loadLocalConfig } from '#shared/local/local-config.ts';
import { ensureTable } from '#shared/local/table-bootstrap.ts';
import {
  parseThrottleRates,
  THROTTLING_ERRORS,
  ThrottleInjector,
} from '#shared/local/throttling/throttle-injector.ts';

describe('throttling on demand', () => {
  it('reads LOCAL_THROTTLE as a share of calls per target, refusing anything else', () => {
    expect(parseThrottleRates('lambda:0.3, startExecution:0.2,dynamodb:0.1')).toEqual({
      lambda: 0.3,
      startExecution: 0.2,
      dynamodb: 0.1,
    });
    expect(parseThrottleRates('')).toEqual({});
    expect(() => parseThrottleRates('sqs:0.1')).toThrow(/target one of lambda, startExecution, dynamodb/);
    expect(() => parseThrottleRates('lambda:2')).toThrow(/from 0 to 1/);
    expect(() => parseThrottleRates('lambda')).toThrow(/from 0 to 1/);
    expect(() => loadLocalConfig({ LOCAL_THROTTLE: 'lambda:x' })).toThrow(/LOCAL_THROTTLE/);
    expect(loadLocalConfig({})).toMatchObject({ iamMode: 'enforce', throttle: {}, throttleSeed: 1 });
  });

  it('throttles the same calls for the same seed, with the errors AWS gives', () => {
    const decisions = (seed: number) => {
      const injector = new ThrottleInjector({ lambda: 0.3, startExecution: 0.5 }, seed);
      return Array.from(
        { length: 200 },
        (_, index) => injector.next(index % 2 ? 'lambda' : 'startExecution')?.name,
      );
    };
    expect(decisions(42)).toEqual(decisions(42));
    expect(decisions(42)).not.toEqual(decisions(43));
    const names = new Set(decisions(42).filter(Boolean));
    expect([...names].sort()).toEqual(
      [...THROTTLING_ERRORS.lambda, ...THROTTLING_ERRORS.startExecution].sort(),
    );
    const none = new ThrottleInjector();
    expect(Array.from({ length: 100 }, () => none.next('lambda'))).toEqual(Array(100).fill(undefined));
  });

  it('lets the DynamoDB client\u2019s own retries ride out injected throttling, as in AWS', async () => {
    const endpoint = inject('dynamoEndpoint');
    const TableName = `throttle-${randomUUID()}`;
    const client = new DynamoDBClient(localClientConfig(endpoint));
    await ensureTable(client, TableName);
    client.destroy();
    const injector = new ThrottleInjector({ dynamodb: 0.3 }, 3);
    const doc = createDocumentClient(localClientConfig(endpoint));
    injector.attachTo(doc);
    try {
      for (let index = 0; index < 8; index++)
        await doc.send(new PutCommand({ TableName, Item: { pk: 'p', sk: String(index) } }));
      const got = await doc.send(new GetCommand({ TableName, Key: { pk: 'p', sk: '7' } }));
      expect(got.Item).toEqual({ pk: 'p', sk: '7' });
      expect(injector.injected.dynamodb).toBeGreaterThan(0);
    } finally {
      doc.destroy();
    }
    // With every attempt throttled, the client gives up with DynamoDB's throttling error.
    const always = new ThrottleInjector({ dynamodb: 1 });
    const failing = createDocumentClient(localClientConfig(endpoint));
    always.attachTo(failing);
    try {
      const error = await failing
        .send(new GetCommand({ TableName, Key: { pk: 'p', sk: '1' } }))
        .catch((e: Error) => e);
      expect(THROTTLING_ERRORS.dynamodb).toContain((error as Error).name);
      expect(always.injected.dynamodb).toBe(3); // the client's maxAttempts
    } finally {
      failing.destroy();
    }
  }, 60_000);
});
