import { reconcileAllTenants } from '#shared/services/reconcile-guests.ts';
import { workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();

/** Invoked daily by an EventBridge Scheduler schedule: reconciles every tenant's guests. */
export const handler = () => reconcileAllTenants(deps);
