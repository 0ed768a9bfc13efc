import { recordPrune } from '#shared/services/retention/record-prune.ts';
import { workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Policy-run step (`lambda:invoke` from the lane state machine). */
export const handler = (input: Parameters<typeof recordPrune>[1]) => recordPrune(deps, input);
