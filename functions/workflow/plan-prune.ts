import { planPrune } from '#shared/services/retention/plan-prune.ts';
import { workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Policy-run step (`lambda:invoke` from the lane state machine). */
export const handler = (input: Parameters<typeof planPrune>[1]) => planPrune(deps, input);
