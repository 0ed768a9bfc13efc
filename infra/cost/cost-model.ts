import { RUN_COUNTER_SHARES } from '#shared/adapters/dynamo/counter-shares.ts';
import * as price from './prices.ts';

/** The fleet and how it runs. */
export interface Fleet {
  readonly tenants: number;
  readonly policiesPerTenant: number;
  /** Guests each policy snapshots. */
  readonly guestsPerPolicy: number;
  /** Runs of each policy per day. */
  readonly runsPerDay: number;
  /** Proxmox nodes per tenant (one lane per node and run). */
  readonly nodesPerTenant: number;
  /** Snapshots in flight per node (the policies' `concurrency.perNode`). */
  readonly perNode: number;
  /** Hours of the night window the runs fall in. */
  readonly windowHours: number;
  /** Task status polls after the first check (steady state: a snapshot takes a few polls). */
  readonly polls: number;
  /** Retention deletions per guest snapshot (steady state: one in, one out). */
  readonly deletions: number;
  /** Seconds one guest snapshot takes (for the per-tenant burst). */
  readonly snapshotSeconds: number;
  /** Guests per fast lane (one Express request each); see `runLaneChunk`. */
  readonly guestsPerFastLane?: number;
  readonly daysPerMonth: number;
}

/** State transitions and Lambda invocations of each part of a run, from the synthesized definitions. */
export interface WorkflowCounts {
  /** One guest on the success path: snapshot, one task check, record, nothing to prune. */
  readonly guest: Count;
  /** One more task poll. */
  readonly poll: Count;
  /** One retention deletion in place of "nothing to prune" (first delete check included). */
  readonly deletion: Count;
  /** A run's parent execution without its lanes. */
  readonly run: Count;
  /** One lane: the parent's iteration and the child execution's own states. */
  readonly lane: Count;
  /**
   * The fast path (Express lanes), when the definitions have it: `lane` is the parent's Standard
   * iteration per fast lane; `guest`, `poll` and `deletion` are the Express lane's transitions
   * (billed per request and duration, not per transition) and invocations.
   */
  readonly fast?: {
    readonly lane: Count;
    readonly guest: Count;
    readonly poll: Count;
    readonly deletion: Count;
  };
}

export interface Count {
  readonly transitions: number;
  /** Lambda invocations (steps and connector calls). */
  readonly invocations: number;
}

/** Assumptions about each call, named so the table can say what it rests on. */
export const ASSUMPTIONS = {
  lambdaMemoryGb: 0.5,
  /** Average billed duration of an invocation (steps and connector calls alike). */
  invocationSeconds: 0.2,
  /** Write units per guest snapshot: result, snapshot record and run counters in one transaction (2 WRU per item). */
  wruPerGuest: 6,
  /** Write units per deletion: the record's update and its audit event. */
  wruPerDeletion: 4,
  /** Write units per run besides its guests': claim, targets, end, audit, counting closed, and its counter shares opened and closed. */
  wruPerRun: 5 + 2 * RUN_COUNTER_SHARES,
  /** Read units per invocation (the cluster item, the run or the lane). */
  rruPerInvocation: 1,
  /** After each run, and in the daily sweep: one snapshot list per guest (a connector call and a query). */
  reconcileReadsPerGuest: 2,
  /** Bytes kept per guest snapshot: its record while retained, its run result for the run's 400 days. */
  snapshotRecordKb: 0.5,
  retainedSnapshotsPerGuest: 14,
  runResultKb: 0.4,
  runResultDays: 400,
  /** Per run: one outcome event (SNS publish, EventBridge event, SQS receive and delete, a notifier call). */
  eventsPerRun: 1,
  /** Per guest snapshot: its own event (`snapshot.created` or `snapshot.failed`), published by the record step. */
  eventsPerGuest: 1,
  /**
   * Guest events the notifier takes per SQS batch (its mapping's batch size): during the night
   * window hundreds arrive a second, so batches fill; one receive, one delete and one call each.
   */
  guestEventsPerBatch: 10,
};

interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly monthlyUsd: number;
}

interface QuotaLine {
  readonly quota: string;
  readonly peak: number;
  readonly limit: number;
}

export interface CostReport {
  readonly guestSnapshotsPerMonth: number;
  readonly lines: CostLine[];
  readonly totalUsd: number;
  readonly perGuestSnapshotUsd: number;
  readonly quotas: QuotaLine[];
}

const add = (a: Count, b: Count, times = 1): Count => ({
  transitions: a.transitions + b.transitions * times,
  invocations: a.invocations + b.invocations * times,
});

/** The monthly bill and the peak rates against the default quotas, computed from the counts. */
export function estimateCost(fleet: Fleet, counts: WorkflowCounts, a = ASSUMPTIONS): CostReport {
  const runsPerDay = fleet.tenants * fleet.policiesPerTenant * fleet.runsPerDay;
  const snapshotsPerDay = runsPerDay * fleet.guestsPerPolicy;
  const days = fleet.daysPerMonth;
  const onePath = (path: Pick<WorkflowCounts, 'guest' | 'poll' | 'deletion'>) =>
    add(add(path.guest, path.poll, fleet.polls), path.deletion, fleet.deletions);
  const { fast } = counts;
  // The fast path: a node's guests in lanes of `guestsPerFastLane`, each one Express request whose
  // duration is its guests' snapshots, `perNode` at a time; nothing per guest in Standard.
  const guestsPerNode = fleet.guestsPerPolicy / fleet.nodesPerTenant;
  const lanesPerRun = fast
    ? fleet.nodesPerTenant * Math.ceil(guestsPerNode / (fleet.guestsPerFastLane ?? guestsPerNode))
    : fleet.nodesPerTenant;
  const perGuest = fast ? { transitions: 0, invocations: onePath(fast).invocations } : onePath(counts);
  const perRun = add(
    add(counts.run, fast ? fast.lane : counts.lane, lanesPerRun),
    perGuest,
    fleet.guestsPerPolicy,
  );
  const transitions = perRun.transitions * runsPerDay * days;
  const expressRequests = fast ? lanesPerRun * runsPerDay * days : 0;
  const laneSeconds =
    (Math.min(guestsPerNode, fleet.guestsPerFastLane ?? guestsPerNode) / fleet.perNode) *
    fleet.snapshotSeconds;
  const expressGbSeconds = expressRequests * laneSeconds * price.SFN_EXPRESS_BILLED_GB;
  // Each run reconciles its guests, and the daily sweep reads every guest once more.
  const reconcileCalls = snapshotsPerDay * (1 + 1 / fleet.runsPerDay) * days;
  const runEvents = a.eventsPerRun * runsPerDay * days;
  const guestEvents = a.eventsPerGuest * snapshotsPerDay * days;
  // The notifier's calls (and SQS receives and deletes): one per run event, one per batch of guest events.
  const notifierBatches = runEvents + guestEvents / a.guestEventsPerBatch;
  const invocations = perRun.invocations * runsPerDay * days + reconcileCalls + notifierBatches;
  const gbSeconds = invocations * a.invocationSeconds * a.lambdaMemoryGb;
  const wru =
    (snapshotsPerDay * (a.wruPerGuest + a.wruPerDeletion * fleet.deletions) + runsPerDay * a.wruPerRun) *
    days;
  const rru = invocations * a.rruPerInvocation + reconcileCalls * a.reconcileReadsPerGuest;
  const guestsKept = fleet.tenants * fleet.policiesPerTenant * fleet.guestsPerPolicy;
  const storageGb =
    (guestsKept * a.retainedSnapshotsPerGuest * a.snapshotRecordKb +
      snapshotsPerDay * a.runResultDays * a.runResultKb) /
    1024 /
    1024;
  const scheduled = runsPerDay * days;
  const events = runEvents + guestEvents;
  const lines: CostLine[] = [
    {
      service: 'Step Functions',
      item: 'Standard state transitions',
      quantity: transitions,
      monthlyUsd: transitions * price.SFN_STANDARD_PER_TRANSITION,
    },
    ...(fast
      ? [
          {
            service: 'Step Functions',
            item: 'Express requests (fast lanes)',
            quantity: expressRequests,
            monthlyUsd: expressRequests * price.SFN_EXPRESS_PER_REQUEST,
          },
          {
            service: 'Step Functions',
            item: 'Express GB-seconds (64 MB)',
            quantity: expressGbSeconds,
            monthlyUsd: expressGbSeconds * price.SFN_EXPRESS_PER_GB_SECOND,
          },
        ]
      : []),
    {
      service: 'Lambda',
      item: 'requests',
      quantity: invocations,
      monthlyUsd: invocations * price.LAMBDA_PER_REQUEST,
    },
    {
      service: 'Lambda',
      item: 'GB-seconds (arm64)',
      quantity: gbSeconds,
      monthlyUsd: gbSeconds * price.LAMBDA_ARM_PER_GB_SECOND,
    },
    {
      service: 'DynamoDB',
      item: 'write request units',
      quantity: wru,
      monthlyUsd: wru * price.DYNAMODB_PER_WRU,
    },
    {
      service: 'DynamoDB',
      item: 'read request units',
      quantity: rru,
      monthlyUsd: rru * price.DYNAMODB_PER_RRU,
    },
    {
      service: 'DynamoDB',
      item: 'storage (GB-month)',
      quantity: storageGb,
      monthlyUsd: storageGb * price.DYNAMODB_PER_GB_MONTH,
    },
    {
      service: 'Scheduler',
      item: 'invocations',
      quantity: scheduled,
      monthlyUsd: scheduled * price.SCHEDULER_PER_INVOCATION,
    },
    { service: 'SNS', item: 'publishes', quantity: events, monthlyUsd: events * price.SNS_PER_PUBLISH },
    {
      service: 'SQS',
      item: 'requests',
      quantity: notifierBatches * 2,
      monthlyUsd: notifierBatches * 2 * price.SQS_PER_REQUEST,
    },
    {
      service: 'EventBridge',
      item: 'events',
      quantity: events,
      monthlyUsd: events * price.EVENTBRIDGE_PER_EVENT,
    },
  ];
  const totalUsd = lines.reduce((sum, line) => sum + line.monthlyUsd, 0);
  const guestSnapshotsPerMonth = snapshotsPerDay * days;

  const windowSeconds = fleet.windowHours * 3600;
  const invocationsPerSecond =
    (perRun.invocations * runsPerDay + snapshotsPerDay * (1 + a.eventsPerGuest / a.guestEventsPerBatch)) /
    windowSeconds;
  // One tenant's writes share one partition key: all its policies at once, every node busy.
  const tenantGuestsPerSecond =
    (fleet.policiesPerTenant * fleet.nodesPerTenant * fleet.perNode) / fleet.snapshotSeconds;
  const quotas: QuotaLine[] = [
    {
      quota: 'StartExecution per second (runs and lanes, spread over the window)',
      peak: (runsPerDay * (1 + lanesPerRun)) / windowSeconds,
      limit: price.QUOTAS.startExecutionPerSecond,
    },
    {
      quota: 'StartExecution burst: every run of one minute at once (bucket 1,300)',
      peak: fleet.tenants * fleet.policiesPerTenant * (1 + lanesPerRun),
      limit: 1_300,
    },
    {
      quota: 'state transitions per second (spread over the window)',
      peak: (perRun.transitions * runsPerDay) / windowSeconds,
      limit: price.QUOTAS.stateTransitionsPerSecond,
    },
    {
      quota: 'Lambda concurrency',
      peak: invocationsPerSecond * a.invocationSeconds,
      limit: price.QUOTAS.lambdaConcurrency,
    },
    {
      quota: 'DynamoDB WCU per second on one tenant’s partition',
      peak: tenantGuestsPerSecond * (a.wruPerGuest + a.wruPerDeletion * fleet.deletions),
      limit: price.QUOTAS.dynamodbPartitionWcu,
    },
  ];
  return {
    guestSnapshotsPerMonth,
    lines,
    totalUsd,
    perGuestSnapshotUsd: guestSnapshotsPerMonth > 0 ? totalUsd / guestSnapshotsPerMonth : 0,
    quotas,
  };
}
