/**
 * The step functions of the workflows, by their property name, with the entry each runs
 * (`functions/workflow/<entry>.ts`, and the local function of the same name). This one list
 * drives the CDK construct that deploys them, the local synth that imports them by ARN and the
 * local runtime that runs them in-process.
 */
const WORKFLOW_STEPS = {
  claimRun: 'claim-run',
  resolveTargets: 'resolve-targets',
  recordResult: 'record-result',
  finishRun: 'finish-run',
  loadLane: 'load-lane',
  planPrune: 'plan-prune',
  recordPrune: 'record-prune',
  reconcileGuests: 'reconcile-guests',
  planOperation: 'plan-operation',
  finishOperation: 'finish-operation',
  restoreTestStep: 'restore-test-step',
  runHook: 'run-hook',
} as const;

export type WorkflowStep = keyof typeof WORKFLOW_STEPS;
export type WorkflowStepEntry = (typeof WORKFLOW_STEPS)[WorkflowStep];

/** One value per step, built from its property name and entry. */
export function forEachStep<T>(
  build: (step: WorkflowStep, entry: WorkflowStepEntry) => T,
): Record<WorkflowStep, T> {
  return Object.fromEntries(
    (Object.entries(WORKFLOW_STEPS) as Array<[WorkflowStep, WorkflowStepEntry]>).map(([step, entry]) => [
      step,
      build(step, entry),
    ]),
  ) as Record<WorkflowStep, T>;
}
