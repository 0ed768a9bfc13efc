import { LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { AsyncInvokeSweepQueue } from '#shared/adapters/sweep/async-invoke-sweep-queue.ts';
import { ENV } from '#shared/config/env-names.ts';
import { parseEnvironment } from '#shared/config/parse-environment.ts';
import { instrument } from '#shared/observability/instrument.ts';
import { planRpoCheck, type RpoCheckUnit } from '#shared/services/insight/rpo-sweep.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();
const env = parseEnvironment(z.object({ [ENV.rpoCheckWorkerFunctionName]: z.string().min(1) }), process.env);
const queue = new AsyncInvokeSweepQueue<RpoCheckUnit>(
  new LambdaClient({}),
  env[ENV.rpoCheckWorkerFunctionName],
);

/** Invoked by an EventBridge Scheduler schedule: one RPO check per registered tenant. */
export const handler = instrument(stepTelemetry('rpo-check'), 'rpo-check', async (_event: unknown, log) => {
  const planned = await planRpoCheck(deps, queue);
  log.info('RPO check planned', planned);
  return planned;
});
