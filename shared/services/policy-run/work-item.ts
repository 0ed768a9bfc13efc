/** One guest's share of a policy run, as it travels through the state machine. */
export interface SnapshotWorkItem {
  readonly tenantId: string;
  readonly runId: string;
  readonly policyId: string;
  /** For notifications (`[nightly] snapshot failed on guest 101`). */
  readonly policyName?: string;
  readonly scheduledTime: string;
  readonly clusterId: string;
  readonly guestId: string;
  readonly node: string;
  readonly guestType: 'qemu' | 'lxc';
  readonly vmid: number;
  readonly snapshotName: string;
  readonly vmstate: boolean;
  readonly description: string;
}

/** The input every policy run starts with (from the schedule or from "run now"). */
export interface PolicyRunInput {
  readonly tenantId: string;
  readonly policyId: string;
  /** The tick, ISO 8601 in UTC. */
  readonly scheduledTime: string;
  readonly trigger: 'schedule' | 'manual';
  /** Set when a run left unfinished (e.g. by a crash) is started again to finish it. */
  readonly resume?: boolean;
}

/** Guests grouped per node, so each node gets its own concurrency cap. */
export interface SnapshotLane {
  readonly lane: string;
  readonly items: SnapshotWorkItem[];
  /** The policy's cap of snapshots in flight on this node. */
  readonly perNode: number;
}

/** Who acts when the service itself runs a policy. */
export const systemContext = (tenantId: string, runId: string) => ({
  principal: { tenantId, subject: 'system:policy-run', role: 'admin' as const },
  requestId: runId,
});
