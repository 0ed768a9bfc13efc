import { resolveTargets } from '#shared/services/policy-run/resolve-targets.ts';
import { workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Policy-run step (`lambda:invoke` from the state machine). */
export const handler = (input: Parameters<typeof resolveTargets>[1]) => resolveTargets(deps, input);
