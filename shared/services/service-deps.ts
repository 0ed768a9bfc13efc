import type { Store } from '#shared/adapters/dynamo/store.ts';
import type { PlanTable } from '#shared/domain/plans/plan.ts';
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
  /** Every plan the deployment knows (built-in and the operator's); absent: the built-in plans. */
  readonly plans?: PlanTable | undefined;
  /** The plan new tenants start on (and a tenant without a profile yet reads as); absent: `standard`. */
  readonly defaultPlan?: string | undefined;
}
