import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { Page } from '#shared/adapters/dynamo/table-access.ts';
import { listRegisteredTenants } from '#shared/adapters/dynamo/tenant-registry.ts';
import type { Policy } from '#shared/domain/policy.ts';
import type { RestoreTest } from '#shared/domain/restore-test/restore-test.ts';

/** Every registered tenant with all of one kind of its items, one tenant at a time. */
async function* registeredTenantItems<T>(
  store: Store,
  list: (tenantId: string, page: { limit: number; cursor?: string }) => Promise<Page<T>>,
): AsyncGenerator<{ readonly tenantId: string; readonly items: T[] }> {
  let startAfter: string | undefined;
  do {
    const page = await listRegisteredTenants(store.table, {
      limit: 500,
      ...(startAfter ? { startAfter } : {}),
    });
    for (const tenantId of page.tenantIds) {
      const items = await readAllPages<T>((cursor) =>
        list(tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
      );
      yield { tenantId, items };
    }
    startAfter = page.startAfter;
  } while (startAfter);
}

/**
 * Every registered tenant with all its policies, one tenant at a time: through the registry's
 * index and each tenant's own partition, never a Scan of the table.
 */
export async function* registeredTenantPolicies(
  store: Store,
): AsyncGenerator<{ readonly tenantId: string; readonly policies: Policy[] }> {
  for await (const { tenantId, items } of registeredTenantItems(store, (t, p) => store.policies.list(t, p)))
    yield { tenantId, policies: items };
}

/** Every registered tenant's restore tests, the same way (the local scheduler fires them too). */
export async function* registeredTenantRestoreTests(
  store: Store,
): AsyncGenerator<{ readonly tenantId: string; readonly restoreTests: RestoreTest[] }> {
  for await (const { tenantId, items } of registeredTenantItems(store, (t, p) =>
    store.restoreTests.list(t, p),
  ))
    yield { tenantId, restoreTests: items };
}
