/**
 * Every key the service writes is composed here and nowhere else. All partition keys start with
 * the tenant, so no query can cross tenants.
 */

const tenantPartition = (tenantId: string) => `TENANT#${tenantId}`;

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

export const keys = {
  tenant: (tenantId: string): ItemKey => ({ pk: tenantPartition(tenantId), sk: 'PROFILE' }),

  cluster: (tenantId: string, clusterId: string): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `CLUSTER#${clusterId}`,
  }),
  clusterPrefix: () => 'CLUSTER#',
  /** Reserves a cluster name within a tenant (names compare case-insensitively). */
  clusterName: (tenantId: string, name: string): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `CLUSTERNAME#${name.toLowerCase()}`,
  }),

  policy: (tenantId: string, policyId: string): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `POLICY#${policyId}`,
  }),
  policyPrefix: () => 'POLICY#',
  policyName: (tenantId: string, name: string): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `POLICYNAME#${name.toLowerCase()}`,
  }),

  exclusion: (tenantId: string, exclusionId: string): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `EXCLUSION#${exclusionId}`,
  }),
  exclusionPrefix: () => 'EXCLUSION#',

  /** vmid zero-padded to Proxmox's 9 digits, so guests sort by vmid within a cluster. */
  guest: (tenantId: string, clusterId: string, vmid: number): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `GUEST#${clusterId}#${String(vmid).padStart(9, '0')}`,
  }),
  guestPrefix: (clusterId?: string) => (clusterId ? `GUEST#${clusterId}#` : 'GUEST#'),

  run: (tenantId: string, runId: string): ItemKey => ({ pk: tenantPartition(tenantId), sk: `RUN#${runId}` }),
  /** Runs by time, newest first, through the byResource index. */
  runsByTime: (tenantId: string, scheduledTime: string, runId: string) => ({
    gsi1pk: `${tenantPartition(tenantId)}#RUNS`,
    gsi1sk: `${scheduledTime}#${runId}`,
  }),
  runsPartition: (tenantId: string) => `${tenantPartition(tenantId)}#RUNS`,
  runResult: (tenantId: string, runId: string, guestId: string): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `RUN#${runId}#GUEST#${guestId}`,
  }),
  runResultPrefix: (runId: string) => `RUN#${runId}#GUEST#`,
  /** One lane of a run (or of a sweep): its guests, loaded by the lane's first step. */
  lane: (tenantId: string, laneSetId: string, index: number): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `LANE#${laneSetId}#${String(index).padStart(4, '0')}`,
  }),
  snapshot: (tenantId: string, guestId: string, name: string): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `SNAPSHOT#${guestId}#${name}`,
  }),
  snapshotPrefix: (guestId: string) => `SNAPSHOT#${guestId}#`,

  operation: (tenantId: string, operationId: string): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `OPERATION#${operationId}`,
  }),
  operationPrefix: () => 'OPERATION#',
  /** One guest's operations by id (ids sort by creation time), through the byResource index. */
  operationOfGuest: (tenantId: string, guestId: string, operationId: string) => ({
    gsi1pk: `${tenantPartition(tenantId)}#GUEST#${guestId}#OPERATIONS`,
    gsi1sk: operationId,
  }),
  guestOperationsPartition: (tenantId: string, guestId: string) =>
    `${tenantPartition(tenantId)}#GUEST#${guestId}#OPERATIONS`,

  idempotency: (tenantId: string, key: string): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `IDEMPOTENCY#${key}`,
  }),

  subscription: (tenantId: string, subscriptionId: string): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `SUBSCRIPTION#${subscriptionId}`,
  }),
  subscriptionPrefix: () => 'SUBSCRIPTION#',
  /** One delivery of one event to one subscription: the key is the de-duplication. */
  delivery: (tenantId: string, subscriptionId: string, eventId: string): ItemKey => ({
    pk: `${tenantPartition(tenantId)}#DELIVERIES#${subscriptionId}`,
    sk: eventId,
  }),
  deliveryPartition: (tenantId: string, subscriptionId: string) =>
    `${tenantPartition(tenantId)}#DELIVERIES#${subscriptionId}`,
  /** A subscription's deliveries by time, newest first, through the byResource index. */
  deliveriesByTime: (tenantId: string, subscriptionId: string, createdAt: string, eventId: string) => ({
    gsi1pk: `${tenantPartition(tenantId)}#DELIVERIES#${subscriptionId}`,
    gsi1sk: `${createdAt}#${eventId}`,
  }),
  /** An agent key of a cluster (only its hash is stored). */
  agentKey: (tenantId: string, keyId: string): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `AGENTKEY#${keyId}`,
  }),
  agentKeyPrefix: () => 'AGENTKEY#',
  /** The connection of a cluster's agent (one at a time), with what the agent announced. */
  agentConnection: (tenantId: string, clusterId: string): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `AGENT#${clusterId}`,
  }),
  /** One command sent to an agent, and its answer once it came. */
  agentCommand: (tenantId: string, commandId: string): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `AGENTCMD#${commandId}`,
  }),
  /** One page of a large answer. */
  agentAnswerPage: (tenantId: string, commandId: string, page: number): ItemKey => ({
    pk: tenantPartition(tenantId),
    sk: `AGENTCMD#${commandId}#PAGE#${String(page).padStart(5, '0')}`,
  }),
  agentAnswerPagePrefix: (commandId: string) => `AGENTCMD#${commandId}#PAGE#`,

  /** The local runtime's outbox of published events not yet handed to the notifier (not per tenant: a queue). */
  outbox: (eventId: string): ItemKey => ({ pk: 'OUTBOX', sk: eventId }),

  /** Audit events live in their own partition per tenant, sorted by time then id. */
  audit: (tenantId: string, at: string, eventId: string): ItemKey => ({
    pk: `${tenantPartition(tenantId)}#AUDIT`,
    sk: `${at}#${eventId}`,
  }),
  auditPartition: (tenantId: string) => `${tenantPartition(tenantId)}#AUDIT`,
  auditByResource: (
    tenantId: string,
    resourceType: string,
    resourceId: string,
    at: string,
    eventId: string,
  ) => ({
    gsi1pk: `${tenantPartition(tenantId)}#RESOURCE#${resourceType}#${resourceId}`,
    gsi1sk: `${at}#${eventId}`,
  }),
  auditResourcePartition: (tenantId: string, resourceType: string, resourceId: string) =>
    `${tenantPartition(tenantId)}#RESOURCE#${resourceType}#${resourceId}`,
};
