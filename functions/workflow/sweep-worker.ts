import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { SfnWorkflowStarter } from '#shared/adapters/sfn/sfn-workflow-starter.ts';
import { AsyncInvokeSweepQueue } from '#shared/adapters/sweep/async-invoke-sweep-queue.ts';
import { ENV } from '#shared/config/env-names.ts';
import { parseEnvironment } from '#shared/config/parse-environment.ts';
import { CONNECTOR_CALL_BUDGET_MS } from '#shared/config/time-budgets.ts';
import { instrument } from '#shared/observability/instrument.ts';
import type { SweepUnit } from '#shared/ports/sweep-queue.ts';
import { sweepUnit } from '#shared/services/daily-sweep.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();
const env = parseEnvironment(
  z.object({
    [ENV.pruneLaneStateMachineArn]: z.string().min(1),
    // Set by Lambda: the worker enqueues follow-up units to itself.
    AWS_LAMBDA_FUNCTION_NAME: z.string().min(1),
  }),
  process.env,
);
const starter = new SfnWorkflowStarter(new SFNClient({}), { pruneLane: env[ENV.pruneLaneStateMachineArn] });
const queue = new AsyncInvokeSweepQueue(new LambdaClient({}), env.AWS_LAMBDA_FUNCTION_NAME);

/** One unit of the daily sweep, invoked asynchronously (a failure is retried, then dead-lettered). */
export const handler = instrument(
  stepTelemetry('sweep-worker'),
  'sweep-worker',
  async (unit: SweepUnit, log, context) => {
    const result = await sweepUnit(deps, unit, {
      queue,
      startPruneLane: (name, lane) => starter.startPruneLane(name, lane),
      ...(context
        ? {
            limits: {
              timeLeftMs: () => context.getRemainingTimeInMillis(),
              callBudgetMs: CONNECTOR_CALL_BUDGET_MS,
            },
          }
        : {}),
    });
    const summary = {
      ...result,
      ...(result.reconciled
        ? { reconciled: { ...result.reconciled, stuckLocks: result.reconciled.stuckLocks.length } }
        : {}),
    };
    log.info('sweep unit done', summary);
    return summary;
  },
);
