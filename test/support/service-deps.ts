import type { Store } from '#shared/adapters/dynamo/store.ts';
import { createUlidGenerator } from '#shared/domain/ids.ts';
import type { ServiceDeps } from '#shared/services/service-deps.ts';

/**
 * Service dependencies around a test table whose other ports do nothing: no secret kept, no
 * Proxmox answer, no event sent. A test passes in `overrides` the ports it watches or fakes.
 */
export function quietServiceDeps(store: Store, overrides: Partial<ServiceDeps> = {}): ServiceDeps {
  return {
    store,
    secrets: { put: async () => '', get: async () => '', delete: async () => undefined },
    proxmox: { call: async () => undefined },
    ids: createUlidGenerator(),
    now: Date.now,
    events: { publish: async () => undefined },
    ...overrides,
  };
}
