import { describe, expect, it } from 'vitest';
import { estimateCost, type Fleet, type WorkflowCounts } from '#infra/cost/cost-model.ts';
import { countWorkflow } from '#infra/cost/workflow-counts.ts';

const fleet: Fleet = {
  tenants: 1,
  policiesPerTenant: 1,
  guestsPerPolicy: 10,
  runsPerDay: 1,
  nodesPerTenant: 1,
  perNode: 2,
  windowHours: 1,
  polls: 0,
  deletions: 0,
  snapshotSeconds: 5,
  daysPerMonth: 30,
};
const counts: WorkflowCounts = {
  guest: { transitions: 8, invocations: 3 },
  poll: { transitions: 3, invocations: 1 },
  deletion: { transitions: 5, invocations: 3 },
  run: { transitions: 6, invocations: 4 },
  lane: { transitions: 4, invocations: 1 },
};

describe('the cost model', () => {
  it('prices one small policy as computed by hand', () => {
    const report = estimateCost(fleet, counts);
    const usd = (item: string) => report.lines.find((line) => line.item === item)?.monthlyUsd;
    // One run a day: 6 + 4 (one lane) + 10 × 8 = 90 transitions, 30 days, $0.025 per 1,000.
    expect(usd('Standard state transitions')).toBeCloseTo(0.0675, 10);
    // (4 + 1 + 10 × 3) × 30 + 10 guests × 2 reconciliations × 30 + notifier calls (30 run events,
    // 300 guest events in batches of 10) = 1,710 requests.
    expect(report.lines.find((line) => line.item === 'requests' && line.service === 'Lambda')?.quantity).toBe(
      1710,
    );
    expect(usd('GB-seconds (arm64)')).toBeCloseTo(1710 * 0.2 * 0.5 * 0.0000133334, 12);
    // (10 × 6 + 37 for the run: 5, and its 16 counter shares opened and closed) × 30 = 2,910 WRU; 1,710 + 600 × 2 = 2,910 RRU.
    expect(usd('write request units')).toBeCloseTo(2910 * 0.625e-6, 12);
    expect(usd('read request units')).toBeCloseTo(2910 * 0.125e-6, 12);
    // Events: 30 run events and 300 guest events published to SNS and EventBridge; SQS receives
    // and deletes per notifier call (60).
    const quantity = (service: string) => report.lines.find((line) => line.service === service)?.quantity;
    expect([quantity('SNS'), quantity('EventBridge'), quantity('SQS')]).toEqual([330, 330, 120]);
    expect(report.totalUsd).toBeCloseTo(0.0732757, 6);
    expect(report.perGuestSnapshotUsd).toBeCloseTo(report.totalUsd / 300, 12);
    const peak = (quota: string) => report.quotas.find((q) => q.quota.startsWith(quota))?.peak;
    expect(peak('state transitions')).toBeCloseTo(90 / 3600, 10);
    expect(peak('DynamoDB WCU')).toBeCloseTo(2.4, 10);
  });

  it('adds each poll and deletion to every guest', () => {
    const steady = estimateCost({ ...fleet, polls: 2, deletions: 1 }, counts);
    const transitions = steady.lines.find((line) => line.item === 'Standard state transitions')?.quantity;
    expect(transitions).toBe((6 + 4 + 10 * (8 + 2 * 3 + 5)) * 30);
  });

  it('prices the fast path: Standard transitions per lane only, Express per request and GB-second', () => {
    const fast = {
      lane: { transitions: 5, invocations: 0 },
      guest: { transitions: 7, invocations: 3 },
      poll: { transitions: 5, invocations: 1 },
      deletion: { transitions: 5, invocations: 3 },
    };
    const report = estimateCost({ ...fleet, guestsPerFastLane: 4 }, { ...counts, fast });
    const line = (item: string) => report.lines.find((l) => l.item === item);
    // 10 guests in lanes of 4: 3 fast lanes; 6 + 3 × 5 transitions a run, none per guest.
    expect(line('Standard state transitions')?.quantity).toBe((6 + 3 * 5) * 30);
    expect(line('Express requests (fast lanes)')?.quantity).toBe(3 * 30);
    expect(line('Express requests (fast lanes)')?.monthlyUsd).toBeCloseTo(90 / 1_000_000, 12);
    // Each lane runs 4 guests, 2 at a time, 5 s each: 10 s at 64 MB.
    expect(line('Express GB-seconds (64 MB)')?.quantity).toBeCloseTo(3 * 30 * 10 * (64 / 1024), 10);
    // The same calls as on the Standard lane: (4 + 10 × 3) × 30 + reconciliations and notifier.
    expect(line('requests')?.quantity).toBe(1710 - 30);
  });

  it('counts transitions on the states a definition has, and names a state that went missing', () => {
    const lane = {
      States: {
        LoadLane: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke' },
        SnapshotGuests: {
          Type: 'Map',
          ItemProcessor: {
            States: Object.fromEntries(
              [
                'PruneOnly?',
                'CreateSnapshot',
                'WaitForTaskStart',
                'CheckTask',
                'TaskFinished?',
                'RecordSucceeded',
                'AnythingToPrune?',
                'NothingToPrune',
                'WaitForTask',
                'PruneSnapshots',
                'DeleteSnapshot',
                'WaitForDeleteStart',
                'CheckDelete',
                'DeleteFinished?',
                'RecordPruned',
              ].map((name) => [
                name,
                /^(Create|Check|Record|Delete)/.test(name) && !name.endsWith('?')
                  ? { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke' }
                  : { Type: 'Pass' },
              ]),
            ),
          },
        },
      },
    };
    const parent = {
      States: Object.fromEntries(
        [
          'ClaimRun',
          'Claimed?',
          'ResolveTargets',
          'SnapshotLanes',
          'FinishRun',
          'ReconcileRun',
          'RunChunks',
          'RunLane',
        ].map((name) => [name, { Type: 'Pass' }]),
      ),
    };
    expect(countWorkflow(parent, lane).guest).toEqual({ transitions: 8, invocations: 3 });
    expect(countWorkflow(parent, lane).deletion).toEqual({ transitions: 5, invocations: 3 });
    const { CheckTask: _, ...withoutCheck } = lane.States.SnapshotGuests.ItemProcessor.States;
    expect(() =>
      countWorkflow(parent, {
        States: { ...lane.States, SnapshotGuests: { Type: 'Map', ItemProcessor: { States: withoutCheck } } },
      }),
    ).toThrow('no state CheckTask');
  });
});
