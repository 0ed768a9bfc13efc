import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { localClientConfig } from '#shared/adapters/dynamo/client.ts';

/** The Authorization header each request of `client` went out with. */
function authorizationHeaders(client: DynamoDBClient): string[] {
  const seen: string[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers: Record<string, string> };
      seen.push(request.headers.authorization ?? '');
      return await next(args);
    },
    { step: 'finalizeRequest', priority: 'low' },
  );
  return seen;
}

describe('localClientConfig', () => {
  it('sends the local endpoint a fixed Authorization header, which DynamoDB Local accepts, instead of signing', async () => {
    const client = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
    const headers = authorizationHeaders(client);
    await client.send(new ListTablesCommand({ Limit: 1 }));
    await client.send(new ListTablesCommand({ Limit: 1 }));
    expect(headers).toHaveLength(2);
    // A computed signature would differ between requests (dates) and be 64 hex digits.
    expect(new Set(headers).size).toBe(1);
    expect(headers[0]).toMatch(/^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/local\/dynamodb\/aws4_request, /);
    expect(headers[0]).not.toMatch(/Signature=[0-9a-f]{64}/);
  });

  it('leaves signing alone for clients built for AWS', async () => {
    const client = new DynamoDBClient({
      region: 'eu-west-1',
      endpoint: inject('dynamoEndpoint'),
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
    });
    const headers = authorizationHeaders(client);
    await client.send(new ListTablesCommand({ Limit: 1 }));
    expect(headers[0]).toMatch(/Signature=[0-9a-f]{64}$/);
  });
});
