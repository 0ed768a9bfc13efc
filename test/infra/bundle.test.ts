import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { bundleFunction } from '#infra/bundling/bundle-function.ts';
import { localClientConfig } from '#shared/adapters/dynamo/client.ts';
import { ensureTable } from '#shared/local/table-bootstrap.ts';
import { apiFunctionEnvironment } from '#test/support/api-function-environment.ts';
import { startFakeSecretsManager } from '#test/support/fake-secrets-manager.ts';

// Inside the repository, so the bundle finds the AWS SDK in node_modules as Lambda's runtime provides it.
const outdir = join(process.cwd(), `.bundle-test-${randomUUID()}`);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the bundled API function', () => {
  it('starts from its environment and answers API Gateway events as deployed', async () => {
    const { bytes } = await bundleFunction(join(process.cwd(), 'functions/api/http-api.ts'), outdir);
    // 340 KB before backups, reports and settings; 520 KB with them (2026-11-30).
    expect(bytes).toBeLessThan(600 * 1024);
    const endpoint = inject('dynamoEndpoint');
    const tableName = `bundle-${randomUUID()}`;
    const client = new DynamoDBClient(localClientConfig(endpoint));
    await ensureTable(client, tableName);
    client.destroy();
    const secrets = await startFakeSecretsManager({ 'cursor-key-arn': 'k'.repeat(64) });
    const script = `
      const { handler } = await import(${JSON.stringify(join(outdir, 'index.mjs'))});
      const base = { version: '2.0', rawQueryString: '', headers: {}, isBase64Encoded: false };
      const context = (method, path, claims) => ({ http: { method, path, protocol: 'HTTP/1.1', sourceIp: '1.2.3.4', userAgent: 't' },
        requestId: 'req-1', routeKey: '$default', stage: '$default', accountId: '1', apiId: 'a', domainName: 'd', domainPrefix: 'd',
        time: '', timeEpoch: 0, authorizer: claims ? { jwt: { claims, scopes: [] } } : undefined });
      const health = await handler({ ...base, routeKey: 'GET /v1/health', rawPath: '/v1/health', requestContext: context('GET', '/v1/health') });
      const list = await handler({ ...base, routeKey: 'ANY /{proxy+}', rawPath: '/v1/policies',
        requestContext: context('GET', '/v1/policies', { sub: 'alice', tenant: 'acme', role: 'viewer' }) });
      process.stdout.write(JSON.stringify({ health, list }));
    `;
    // Asynchronous on purpose: the fake Secrets Manager answers from this process.
    const result = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        ...process.env,
        ...apiFunctionEnvironment({ tableName, secretsManagerUrl: secrets.url, dynamodbEndpoint: endpoint }),
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      },
    });
    secrets.server.close();
    const { health, list } = JSON.parse(result.stdout);
    expect(health.statusCode).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
    expect(list.statusCode).toBe(200);
    expect(JSON.parse(list.body)).toEqual({ items: [] });
  }, 60_000);
});
