import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Delivery } from '#shared/domain/notifications/delivery.ts';
import { parseUpid } from '#shared/domain/proxmox/upid.ts';
import type { Run } from '#shared/domain/run.ts';
import type { GuestOutcome } from '#shared/services/policy-run/record-result.ts';
import type { Measure } from './instrument.ts';

/** `Runs` by `outcome` (the run's status) when a run is finished. */
export const measureFinishedRun: Measure<unknown, Run> = (metrics, _input, run) => {
  const metric = metrics.singleMetric();
  metric.addDimension('outcome', run.status);
  metric.addMetric('Runs', MetricUnit.Count, 1);
};

/**
 * `GuestSnapshots` by `outcome`; `GuestSnapshotLatency` from the task's start (in its UPID) to the
 * recorded result; `SnapshotRetries` for the attempts a lock cost.
 */
export const measureGuestResult: Measure<GuestOutcome, unknown> = (metrics, input, _output) => {
  const outcome = metrics.singleMetric();
  outcome.addDimension('outcome', input.outcome);
  outcome.addMetric('GuestSnapshots', MetricUnit.Count, 1);
  const upid = parseUpid(input.upid ?? input.taskStatus?.upid ?? '');
  if (upid && input.outcome === 'succeeded') {
    metrics
      .singleMetric()
      .addMetric('GuestSnapshotLatency', MetricUnit.Milliseconds, Date.now() - upid.starttime * 1000);
  }
  if ((input.attempt ?? 1) > 1) {
    metrics.singleMetric().addMetric('SnapshotRetries', MetricUnit.Count, (input.attempt ?? 1) - 1);
  }
};

/** `Deliveries` by `outcome` (delivered, failed, ...) and `DeliveryRetries` (attempts after the first). */
export const measureDeliveries: Measure<unknown, readonly Delivery[]> = (metrics, _input, deliveries) => {
  for (const delivery of deliveries) {
    const metric = metrics.singleMetric();
    metric.addDimension('outcome', delivery.status);
    metric.addMetric('Deliveries', MetricUnit.Count, 1);
    if (delivery.attempts.length > 1) {
      metrics.singleMetric().addMetric('DeliveryRetries', MetricUnit.Count, delivery.attempts.length - 1);
    }
  }
};
