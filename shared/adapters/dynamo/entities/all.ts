import {
  agentAnswerPageEntity,
  agentCommandEntity,
  agentConnectionEntity,
  agentFollowEntity,
  agentKeyEntity,
} from './agent.ts';
import { auditEntity } from './audit.ts';
import { backupEntity } from './backup.ts';
import { clusterEntity, clusterNameEntity } from './cluster.ts';
import { deliveryEntity, outboxEntity } from './delivery.ts';
import { exclusionEntity } from './exclusion.ts';
import { guestEntity } from './guest.ts';
import { hookCallEntity, hookSecretEntity } from './hook-call.ts';
import { idempotencyEntity } from './idempotency.ts';
import { laneEntity } from './lane.ts';
import { operationEntity } from './operation.ts';
import { policyEntity, policyNameEntity } from './policy.ts';
import { restoreTestEntity, restoreTestNameEntity, restoreTestRunEntity } from './restore-test.ts';
import { rpoEpisodeEntity } from './rpo-episode.ts';
import { runCounterShareEntity, runEntity, runResultEntity } from './run.ts';
import { snapshotEntity } from './snapshot.ts';
import {
  storageEntity,
  storageEpisodeEntity,
  storageReservationEntity,
  storageTrendEntity,
} from './storage.ts';
import { subscriptionEntity } from './subscription.ts';
import { tenantEntity, tenantRegistrationEntity } from './tenant.ts';
import { usageEntity } from './usage.ts';

/** Every entity the table holds (the table declaration's indexes must be exactly those they use). */
export const ENTITIES = [
  tenantEntity,
  tenantRegistrationEntity,
  clusterEntity,
  clusterNameEntity,
  policyEntity,
  policyNameEntity,
  exclusionEntity,
  guestEntity,
  runEntity,
  runResultEntity,
  runCounterShareEntity,
  laneEntity,
  snapshotEntity,
  backupEntity,
  operationEntity,
  subscriptionEntity,
  deliveryEntity,
  outboxEntity,
  idempotencyEntity,
  auditEntity,
  agentKeyEntity,
  agentConnectionEntity,
  agentCommandEntity,
  agentFollowEntity,
  agentAnswerPageEntity,
  rpoEpisodeEntity,
  storageEntity,
  storageTrendEntity,
  storageReservationEntity,
  storageEpisodeEntity,
  restoreTestEntity,
  restoreTestNameEntity,
  restoreTestRunEntity,
  hookCallEntity,
  hookSecretEntity,
  usageEntity,
] as const;
