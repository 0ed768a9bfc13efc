import { reconcileGuests } from '#shared/services/reconcile-guests.ts';
import { workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Lane step after the snapshots (`lambda:invoke` from the lane state machine). */
export const handler = (input: Parameters<typeof reconcileGuests>[1]) => reconcileGuests(deps, input);
