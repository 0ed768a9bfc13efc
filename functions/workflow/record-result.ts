import { recordGuestResult } from '#shared/services/policy-run/record-result.ts';
import { workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Policy-run step (`lambda:invoke` from the state machine). */
export const handler = (input: Parameters<typeof recordGuestResult>[1]) => recordGuestResult(deps, input);
