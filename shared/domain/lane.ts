import { AppError } from './errors.ts';
import type { Guest, GuestType } from './guest.ts';
import type { PolicyKind } from './policy.ts';
import { snapshotsMemory } from './run.ts';

/** vzdump's options for each guest of a backup lane: the connector's `vzdump` command without node and guest. */
export interface VzdumpOptions {
  readonly type: 'vzdump';
  readonly storage: string;
  readonly mode: 'snapshot' | 'suspend' | 'stop';
  readonly compress: '0' | 'gzip' | 'lzo' | 'zstd';
  readonly protected: boolean;
  readonly notesTemplate?: string;
  readonly bwlimit?: number;
}

/** What every guest of a lane shares: the run (or the sweep) and the cluster. */
export interface LaneContext {
  readonly tenantId: string;
  /** The run's id; for a sweep's prune-only lane, the lane's own id. */
  readonly runId: string;
  readonly policyId: string;
  /** For notifications (`[nightly] snapshot failed on guest 101`). */
  readonly policyName: string;
  readonly scheduledTime: string;
  readonly clusterId: string;
  readonly snapshotName: string;
  readonly description: string;
  /** What each guest gets: a snapshot, or a vzdump backup with {@link vzdump}'s options. */
  readonly kind: PolicyKind;
  /** Set for a backup lane, null otherwise (present either way: the lane's definition reads it). */
  readonly vzdump: VzdumpOptions | null;
  /** Sweep lanes take no snapshot and only prune. */
  readonly pruneOnly: boolean;
  /** Who prunes, for the records and the audit trail: `run <runId>` or `sweep <date>`. */
  readonly pruneBy: string;
  /**
   * The cluster is reached through its agent, which follows a Proxmox task to its end and reports
   * once: the lane waits on that callback instead of polling (and polls if the agent cannot).
   */
  readonly followTasks: boolean;
  /** The policy has hooks: the lane runs each guest's pre and post hook steps (README "Hooks"). */
  readonly hooks: boolean;
}

/** One guest of a lane, as compact as the state machine's 256 KiB payload limit asks. */
export interface LaneGuest {
  readonly guestId: string;
  readonly node: string;
  readonly guestType: GuestType;
  readonly vmid: number;
  readonly vmstate: boolean;
}

/**
 * A lane as stored in the table: the state machines carry only its reference, because a run's
 * guests listed in full would pass Step Functions' 256 KiB limit on a state's input or output
 * from a few hundred guests on.
 */
export interface StoredLane {
  readonly context: LaneContext;
  /** The policy's cap of snapshots in flight on this node. */
  readonly perNode: number;
  readonly guests: LaneGuest[];
}

/**
 * A fast lane's time to start guests is up (`startBy`, set when the lane was loaded): the guest
 * is not started there but handed to the Standard lane, so the lane ends well within Express's
 * limit whatever its guests' tasks take. Nothing reached Proxmox.
 */
export class LaneTimeUpError extends AppError {
  readonly type = 'conflict';
  readonly title = 'The fast lane starts no more guests';

  constructor(startBy: string) {
    super(`the fast lane's time to start guests ended at ${startBy}: the guest goes to the Standard lane`);
  }
}

/** Where a lane is stored: the lane child execution's whole input. */
export interface LaneRef {
  readonly tenantId: string;
  /** The run id, or the sweep lane's id. */
  readonly laneSetId: string;
  readonly index: number;
}

/** One node's share of a run as planned: its guests in chunks of at most the lane size. */
export interface PlannedLane {
  /** `<clusterId>/<node>`. */
  readonly lane: string;
  readonly clusterId: string;
  readonly node: string;
  readonly chunks: LaneGuest[][];
}

/**
 * How a run lays out its targets: one lane per node (cluster and node), in the order the nodes
 * first appear among the targets, each node's guests in chunks of `chunkSize`. The run and its
 * dry run both plan with this, so the dry run shows the lanes the run will have.
 */
export function planLanes(
  targets: ReadonlyArray<Pick<Guest, 'id' | 'clusterId' | 'node' | 'type' | 'vmid'>>,
  includeMemory: boolean | undefined,
  chunkSize: number,
): PlannedLane[] {
  return [...Map.groupBy(targets, (target) => `${target.clusterId}/${target.node}`)].map(([lane, onLane]) => {
    const first = onLane[0] as (typeof onLane)[number];
    const guests = onLane.map(
      (target): LaneGuest => ({
        guestId: target.id,
        node: target.node,
        guestType: target.type,
        vmid: target.vmid,
        vmstate: snapshotsMemory(includeMemory, target.type),
      }),
    );
    const chunks: LaneGuest[][] = [];
    for (let start = 0; start < guests.length; start += chunkSize)
      chunks.push(guests.slice(start, start + chunkSize));
    return { lane, clusterId: first.clusterId, node: first.node, chunks };
  });
}
