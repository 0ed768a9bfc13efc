import { loadLane } from '#shared/services/policy-run/load-lane.ts';
import { workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Lane step (`lambda:invoke` from the lane state machine). */
export const handler = (input: Parameters<typeof loadLane>[1]) => loadLane(deps, input);
