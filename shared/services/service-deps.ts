import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { ProxmoxGateway } from '#shared/adapters/proxmox/proxmox-gateway.ts';
import type { SecretStore } from '#shared/adapters/secrets/secret-store.ts';
import type { IdGenerator } from '#shared/domain/ids.ts';
import type { EventPublisher } from './notifications/ports.ts';

/** The ports every use case may need; each entry point builds them once. */
export interface ServiceDeps {
  readonly store: Store;
  readonly secrets: SecretStore;
  /** The only way to reach Proxmox clusters. */
  readonly proxmox: ProxmoxGateway;
  readonly ids: IdGenerator;
  /** Epoch milliseconds now. */
  readonly now: () => number;
  /** Where outcomes go as domain events (SNS and EventBridge in AWS, the outbox locally). */
  readonly events: EventPublisher;
}
