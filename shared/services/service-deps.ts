import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { EventPublisher } from '#shared/ports/event-publisher.ts';
import type { IdGenerator } from '#shared/ports/ids.ts';
import type { ProxmoxGateway } from '#shared/ports/proxmox-gateway.ts';
import type { SecretStore } from '#shared/ports/secret-store.ts';

/** The ports every use case may need; each entry point builds them once. */
export interface ServiceDeps {
  readonly store: Store;
  readonly secrets: SecretStore;
  /** The only way to reach Proxmox clusters. */
  readonly proxmox: ProxmoxGateway;
  readonly ids: IdGenerator;
  readonly now: Clock;
  /** Where outcomes go as domain events (SNS and EventBridge in AWS, the outbox locally). */
  readonly events: EventPublisher;
}
