import { claimRun } from '#shared/services/policy-run/claim-run.ts';
import { workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Policy-run step (`lambda:invoke` from the state machine). */
export const handler = (input: Parameters<typeof claimRun>[1]) => claimRun(deps, input);
