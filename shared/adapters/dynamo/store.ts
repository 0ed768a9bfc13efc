import { randomBytes } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Cluster } from '#shared/domain/cluster.ts';
import type { Policy } from '#shared/domain/policy.ts';
import type { RestoreTest } from '#shared/domain/restore-test/restore-test.ts';
import { AgentStore } from './agent-store.ts';
import { AuditStore } from './audit-store.ts';
import { BackupStore } from './backup-store.ts';
import { CursorCodec } from './cursor.ts';
import { DeliveryStore } from './delivery-store.ts';
import { clusterEntity, clusterNameEntity } from './entities/cluster.ts';
import { policyEntity, policyNameEntity } from './entities/policy.ts';
import { restoreTestEntity, restoreTestNameEntity } from './entities/restore-test.ts';
import { ExclusionStore } from './exclusion-store.ts';
import { GuestStore } from './guest-store.ts';
import { HookCallStore } from './hook-call-store.ts';
import { IdempotencyStore } from './idempotency-store.ts';
import { InsightStore } from './insight-store.ts';
import { LaneStore } from './lane-store.ts';
import { OperationStore } from './operation-store.ts';
import { RestoreTestRunStore } from './restore-test-run-store.ts';
import { RunStore } from './run-store.ts';
import { SnapshotStore } from './snapshot-store.ts';
import { StorageStore } from './storage-store.ts';
import { SubscriptionStore } from './subscription-store.ts';
import { TableAccess } from './table-access.ts';
import { TenantStore } from './tenant-store.ts';
import { UsageStore } from './usage-store.ts';
import { VersionedStore } from './versioned-store.ts';

export interface StoreOptions {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Signs pagination cursors; at least 32 bytes. Default: a random key (cursors then only work in this process). */
  readonly cursorKey?: Buffer;
  readonly now?: () => number;
  readonly auditRetentionDays?: number;
  readonly idempotencyTtlSeconds?: number;
}

/** Everything the service keeps in its one table, one store per entity. */
export interface Store {
  readonly table: TableAccess;
  readonly tenants: TenantStore;
  readonly clusters: VersionedStore<Cluster>;
  readonly policies: VersionedStore<Policy>;
  readonly exclusions: ExclusionStore;
  readonly guests: GuestStore;
  readonly runs: RunStore;
  readonly operations: OperationStore;
  readonly snapshots: SnapshotStore;
  readonly backups: BackupStore;
  readonly lanes: LaneStore;
  readonly subscriptions: SubscriptionStore;
  readonly deliveries: DeliveryStore;
  readonly audit: AuditStore;
  readonly agents: AgentStore;
  readonly idempotency: IdempotencyStore;
  readonly insight: InsightStore;
  readonly storages: StorageStore;
  /** The tenant's usage counters (bytes and archives per storage) the byte quotas read. */
  readonly usage: UsageStore;
  readonly restoreTests: VersionedStore<RestoreTest>;
  readonly restoreTestRuns: RestoreTestRunStore;
  readonly hookCalls: HookCallStore;
}

export function createStore(options: StoreOptions): Store {
  const table = new TableAccess(
    options.doc,
    options.tableName,
    new CursorCodec(options.cursorKey ?? randomBytes(32)),
    options.now ?? Date.now,
    {
      historyDays: options.auditRetentionDays ?? 400,
      idempotencySeconds: options.idempotencyTtlSeconds ?? 24 * 3600,
    },
  );
  return {
    table,
    tenants: new TenantStore(table),
    clusters: new VersionedStore<Cluster>(table, clusterEntity, clusterNameEntity),
    policies: new VersionedStore<Policy>(table, policyEntity, policyNameEntity),
    exclusions: new ExclusionStore(table),
    guests: new GuestStore(table),
    runs: new RunStore(table),
    operations: new OperationStore(table),
    snapshots: new SnapshotStore(table),
    backups: new BackupStore(table),
    lanes: new LaneStore(table),
    subscriptions: new SubscriptionStore(table),
    deliveries: new DeliveryStore(table),
    audit: new AuditStore(table),
    agents: new AgentStore(table),
    idempotency: new IdempotencyStore(table),
    insight: new InsightStore(table),
    storages: new StorageStore(table),
    usage: new UsageStore(table),
    restoreTests: new VersionedStore<RestoreTest>(table, restoreTestEntity, restoreTestNameEntity),
    restoreTestRuns: new RestoreTestRunStore(table),
    hookCalls: new HookCallStore(table),
  };
}
