import { NotFoundError } from '#shared/domain/errors.ts';
import type { LaneGuest } from '#shared/domain/lane.ts';
import type { ServiceDeps } from '../service-deps.ts';
import { FAST_LANE_LIMITS, type LaneRef, type StoredLane } from './work-item.ts';

/** A guest a fast lane handed back: the Standard lane finishes it (looks at its task, or starts it). */
export interface HandedBackGuest {
  readonly guestId: string;
  /** The guest's snapshot task, still running when the fast lane stopped looking; null if none started. */
  readonly upid: string | null;
}

/** A lane's guest as its Map reads it: with the task to look at when the guest was handed back. */
type LoadedLaneGuest = LaneGuest & { readonly upid: string | null };

/** A lane as its first step hands it to the state machine. */
export type LoadedLane = StoredLane & {
  readonly guests: LoadedLaneGuest[];
  /** When a fast lane stops starting guests (the Standard lane has no such bound and ignores it). */
  readonly startBy: string;
};

/**
 * First step of a lane: its guests and what they share, from the table (see {@link StoredLane}),
 * and until when a fast lane may start them: `startWithinMs` (FAST_LANE_LIMITS' unless a test
 * shortens it) after the lane's execution started (`startedAt`; without it, now). A Standard lane
 * that finishes a fast lane's work gets only the guests handed back, each with its running task.
 */
export async function loadLane(
  deps: ServiceDeps,
  /** `resume`: the fast lane's answer per guest, false for a guest it finished. */
  ref: LaneRef & {
    readonly resume?: ReadonlyArray<HandedBackGuest | false> | null;
    readonly startedAt?: string;
  },
  startWithinMs = FAST_LANE_LIMITS.startWithinSeconds * 1000,
): Promise<LoadedLane> {
  const lane = await deps.store.lanes.get(ref.tenantId, ref.laneSetId, ref.index);
  if (!lane) throw new NotFoundError('lane', `${ref.laneSetId}/${ref.index}`);
  const started = ref.startedAt ? Date.parse(ref.startedAt) : Number.NaN;
  const startBy = new Date((Number.isFinite(started) ? started : deps.now()) + startWithinMs).toISOString();
  if (!ref.resume)
    return { ...lane, startBy, guests: lane.guests.map((guest) => ({ ...guest, upid: null })) };
  const resumed = new Map(
    ref.resume.filter((guest) => guest !== false).map((guest) => [guest.guestId, guest.upid]),
  );
  const guests = lane.guests
    .filter((guest) => resumed.has(guest.guestId))
    .map((guest) => ({ ...guest, upid: resumed.get(guest.guestId) ?? null }));
  return { ...lane, startBy, guests };
}
