import { readAllPages } from '#shared/adapters/dynamo/read-all-pages.ts';
import type { Store } from '#shared/adapters/dynamo/store.ts';
import { listRegisteredTenants } from '#shared/adapters/dynamo/tenant-registry.ts';
import type { Policy } from '#shared/domain/policy.ts';

/**
 * Every registered tenant with all its policies, one tenant at a time: through the registry's
 * index and each tenant's own partition, never a Scan of the table.
 */
export async function* registeredTenantPolicies(
  store: Store,
): AsyncGenerator<{ readonly tenantId: string; readonly policies: Policy[] }> {
  let startAfter: string | undefined;
  do {
    const page = await listRegisteredTenants(store.table, {
      limit: 500,
      ...(startAfter ? { startAfter } : {}),
    });
    for (const tenantId of page.tenantIds) {
      const policies = await readAllPages<Policy>((cursor) =>
        store.policies.list(tenantId, { limit: 200, ...(cursor ? { cursor } : {}) }),
      );
      yield { tenantId, policies };
    }
    startAfter = page.startAfter;
  } while (startAfter);
}
