import { LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { AsyncInvokeSweepQueue } from '#shared/adapters/sweep/async-invoke-sweep-queue.ts';
import { ENV } from '#shared/config/env-names.ts';
import { parseEnvironment } from '#shared/config/parse-environment.ts';
import { instrument } from '#shared/observability/instrument.ts';
import { planDailySweep } from '#shared/services/daily-sweep.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();
const env = parseEnvironment(z.object({ [ENV.sweepWorkerFunctionName]: z.string().min(1) }), process.env);
const queue = new AsyncInvokeSweepQueue(new LambdaClient({}), env[ENV.sweepWorkerFunctionName]);

/** Invoked daily by an EventBridge Scheduler schedule: one sweep unit per registered tenant. */
export const handler = instrument(
  stepTelemetry('daily-sweep'),
  'daily-sweep',
  async (_event: unknown, log) => {
    const planned = await planDailySweep(deps, queue);
    log.info('daily sweep planned', planned);
    return planned;
  },
);
