import { finishRun } from '#shared/services/policy-run/finish-run.ts';
import { workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Policy-run step (`lambda:invoke` from the state machine). */
export const handler = (input: Parameters<typeof finishRun>[1]) => finishRun(deps, input);
