/**
 * How long each part of a call chain may take, shared by `infra/` (function timeouts) and the code
 * (deadlines), so a caller always outlasts what it calls: Proxmox call deadline < connector
 * timeout < the timeout of a function that invokes the connector < its Step Functions task limit.
 * `test/infra/operations.test.ts` checks the chain against the synthesized template.
 */

/**
 * The connector answers `ProxmoxUnreachableError` when one command's Proxmox calls (at most two
 * requests, retries included) have not finished by then. Proxmox's own proxy gives up on a node
 * after 30 s; a read that has not answered in 25 s is treated as a node that does not answer.
 */
export const PROXMOX_CALL_DEADLINE_MS = 25_000;

/** The connector function's timeout: its deadline, plus reading the cluster and its secret. */
export const CONNECTOR_TIMEOUT_SECONDS = 30;

/**
 * What a caller sets aside per connector call it still starts: the connector's timeout plus the
 * invocation itself (a cold start).
 */
export const CONNECTOR_CALL_BUDGET_MS = CONNECTOR_TIMEOUT_SECONDS * 1000 + 3_000;

/**
 * Every function's timeout in seconds, by entry file, with its worst case. `ServiceFunction` takes
 * the timeout from here, so a new function without an entry fails synthesis.
 */
export const FUNCTION_TIMEOUT_SECONDS: Readonly<Record<string, number>> = {
  // API Gateway's HTTP API waits 29 s at most; the connector's deadline (25 s) answers first.
  'functions/api/http-api.ts': 29,
  // The agents' WebSocket routes: API Gateway waits at most 29 s for an integration; the
  // authorizer checks one key (a read or two).
  'functions/agent/agent-websocket.ts': 29,
  'functions/agent/agent-authorizer.ts': 10,
  'functions/connector/proxmox-connector.ts': CONNECTOR_TIMEOUT_SECONDS,
  // Webhook deliveries: five attempts with backoff and 10 s timeouts take up to about 65 s.
  'functions/notifier/sqs-notifier.ts': 120,
  // Steps that call the connector: one call (resolve: every cluster at once; plan: one read at a
  // time, a few) plus their table writes; reconcile stops starting guests when a call no longer fits.
  'functions/workflow/resolve-targets.ts': 55,
  'functions/workflow/reconcile-guests.ts': 55,
  'functions/workflow/plan-operation.ts': 55,
  // Lists the guest's snapshots and syncs the inventory after an operation.
  'functions/workflow/finish-operation.ts': 55,
  // One step of a restore test: a Proxmox call or two, or at a run's start the removal of one
  // leftover test guest (a stop and a destroy, each waited for at most 15 s).
  'functions/workflow/restore-test-step.ts': 55,
  // Finishes a run or an operation whose execution failed, timed out or was stopped (the
  // operation's finish may look at Proxmox, as finish-operation does).
  'functions/workflow/execution-ended.ts': 55,
  // Table-only steps: a few queries and at most a lane's writes (250 guests, 25 per batch).
  'functions/workflow/claim-run.ts': 30,
  'functions/workflow/load-lane.ts': 30,
  'functions/workflow/record-result.ts': 30,
  'functions/workflow/finish-run.ts': 30,
  'functions/workflow/plan-prune.ts': 30,
  'functions/workflow/record-prune.ts': 30,
  // A hook step: an HTTPS hook's call is waited for here, up to the longest hook timeout (600 s);
  // a guest-agent hook only starts or looks at its command (the workflow waits between looks).
  'functions/workflow/run-hook.ts': 630,
  // The sweep's planner: one registry query page and ten invocations at a time per 500 tenants.
  'functions/workflow/daily-sweep.ts': 300,
  // One unit: a tenant's guest list, or a chunk of 200 guests reconciled eight at a time; guests
  // that no longer fit before the deadline are enqueued again.
  'functions/workflow/sweep-worker.ts': 300,
  // The RPO check's planner: as the sweep's, one registry page and ten invocations at a time.
  'functions/workflow/rpo-check.ts': 300,
  // One tenant: its inventory, policies and exclusions, then one Query per guest (32 at a time)
  // and a write per episode opened or closed; 10,000 guests read in well under a minute.
  'functions/workflow/rpo-check-worker.ts': 300,
};

/** The timeout of a function's entry file; throws for an entry that has none. */
export function functionTimeoutSeconds(entry: string): number {
  const seconds = FUNCTION_TIMEOUT_SECONDS[entry];
  if (seconds === undefined) throw new Error(`no timeout declared for ${entry} in time-budgets.ts`);
  return seconds;
}
