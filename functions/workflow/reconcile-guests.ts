import { CONNECTOR_CALL_BUDGET_MS } from '#shared/config/time-budgets.ts';
import { instrument } from '#shared/observability/instrument.ts';
import { reconcileGuests } from '#shared/services/reconcile-guests.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Lane step after the snapshots (`lambda:invoke` from the lane state machine). */
export const handler = instrument(
  stepTelemetry('reconcile-guests'),
  'reconcile-guests',
  (input: Parameters<typeof reconcileGuests>[1], _log, context) =>
    reconcileGuests(
      deps,
      input,
      // Stops starting guests when one more connector call would not fit this invocation.
      context
        ? { timeLeftMs: () => context.getRemainingTimeInMillis(), callBudgetMs: CONNECTOR_CALL_BUDGET_MS }
        : undefined,
    ),
);
