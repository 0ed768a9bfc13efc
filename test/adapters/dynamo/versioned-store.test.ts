import { describe, expect, it } from 'vitest';
import { statusOf } from '#shared/api/problem.ts';
import type { Cluster } from '#shared/domain/cluster.ts';
import { PayloadTooLargeError, StaleWriteError } from '#shared/domain/errors.ts';
import { createTestTable } from '#test/support/dynamo.ts';

const cluster = (overrides: Partial<Cluster> = {}): Cluster => ({
  id: 'cl_01JD0000000000000000000001',
  tenantId: 'acme',
  name: 'Lab',
  url: 'https://pve.example.com:8006',
  tokenId: 'root@pam!snap',
  secretRef: 'local:acme/cl_1',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
  ...overrides,
});

describe('versioned store', () => {
  it('reports a write based on a stale version as a stale write (retried without If-Match, else 412)', async () => {
    const { store } = await createTestTable();
    const stored = cluster();
    await store.clusters.create(stored, []);
    await store.clusters.update(stored, { ...stored, url: 'https://a.example.com', version: 2 }, []);
    const error = await store.clusters
      .update(stored, { ...stored, url: 'https://b.example.com', version: 2 }, [])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StaleWriteError);
    expect(statusOf(error as StaleWriteError)).toBe(412);
    expect((await store.clusters.get('acme', stored.id))?.url).toBe('https://a.example.com');
  });

  it('answers an item over DynamoDB\u2019s 400 KB with 413 instead of an internal error, and stores nothing', async () => {
    const { store } = await createTestTable();
    const huge = cluster({ caCertificate: 'x'.repeat(420 * 1024) });
    const error = await store.clusters.create(huge, []).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).message).toContain('400 KB');
    expect(await store.clusters.get('acme', huge.id)).toBeUndefined();
  });
});
