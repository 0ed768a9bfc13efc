import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { SfnWorkflowStarter } from '#shared/adapters/sfn/sfn-workflow-starter.ts';
import { ENV } from '#shared/config/env-names.ts';
import { parseEnvironment } from '#shared/config/parse-environment.ts';
import { runDailySweep } from '#shared/services/daily-sweep.ts';
import { workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();
const env = parseEnvironment(
  z.object({
    [ENV.pruneLaneStateMachineArn]: z.string().min(1),
  }),
  process.env,
);
const starter = new SfnWorkflowStarter(new SFNClient({}), {
  pruneLane: env[ENV.pruneLaneStateMachineArn],
});

/** Invoked daily by an EventBridge Scheduler schedule: reconciliation, then retention's sweep. */
export const handler = async () => {
  const summary = await runDailySweep(deps, (name, lane) => starter.startPruneLane(name, lane));
  return {
    ...summary,
    reconciled: { ...summary.reconciled, stuckLocks: summary.reconciled.stuckLocks.length },
  };
};
