import { Command, InvalidArgumentError } from 'commander';
import { loadWorkflowDefinitions } from '#shared/local/workflows/definition-cache.ts';
import { runLaneChunk } from '#shared/services/policy-run/work-item.ts';
import { ASSUMPTIONS, type CostReport, estimateCost, type Fleet } from './cost-model.ts';
import { PRICES_DATE } from './prices.ts';
import { countWorkflow } from './workflow-counts.ts';

const positive = (value: string) => {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new InvalidArgumentError('must be a number ≥ 0');
  return number;
};

const money = (usd: number) =>
  usd >= 100 ? `$${Math.round(usd).toLocaleString('en-US')}` : `$${usd.toFixed(usd >= 1 ? 2 : 4)}`;
const amount = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

/** The report as the table `npm run cost` prints. */
export function formatReport(report: CostReport, fleet: Fleet): string {
  const rows = report.lines.map((line) => [
    line.service,
    line.item,
    amount(line.quantity),
    money(line.monthlyUsd),
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => (row[i] ?? '').length), 8));
  const row = (cells: string[]) =>
    cells.map((cell, i) => (i >= 2 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ');
  const quotaRows = report.quotas.map(
    (q) => `${q.quota}: ${amount(q.peak)} of ${amount(q.limit)} (${(q.peak / q.limit).toFixed(2)}x)`,
  );
  return [
    `Fleet: ${fleet.tenants} tenants × ${fleet.policiesPerTenant} policies × ${fleet.guestsPerPolicy} guests × ${fleet.runsPerDay}/day, ${fleet.nodesPerTenant} nodes per tenant, ${fleet.windowHours} h window; ${fleet.polls} polls and ${fleet.deletions} deletion per guest snapshot`,
    `List prices us-east-1 of ${PRICES_DATE}, no free tier; transitions counted on the synthesized definitions`,
    '',
    row(['service', 'item', 'per month', 'USD']),
    ...rows.map(row),
    '',
    `Total per month: ${money(report.totalUsd)} for ${amount(report.guestSnapshotsPerMonth)} guest snapshots = ${money(report.perGuestSnapshotUsd * 1000)} per 1,000 guest snapshots`,
    '',
    'Peak against default quotas:',
    ...quotaRows.map((line) => `  ${line}`),
    '',
    `Assumptions: ${JSON.stringify(ASSUMPTIONS)}`,
  ].join('\n');
}

if (import.meta.main) {
  const program = new Command('cost')
    .description('Monthly AWS bill and peak rates against default quotas for a fleet')
    .option('--tenants <n>', 'tenants', positive, 1000)
    .option('--policies <n>', 'policies per tenant', positive, 10)
    .option('--guests <n>', 'guests per policy', positive, 1000)
    .option('--per-day <n>', 'runs of each policy per day', positive, 1)
    .option('--nodes <n>', 'Proxmox nodes per tenant', positive, 20)
    .option('--per-node <n>', 'snapshots in flight per node', positive, 2)
    .option('--window-hours <n>', 'hours of the night window', positive, 4)
    .option('--polls <n>', 'task polls after the first check per snapshot', positive, 2)
    .option('--deletions <n>', 'retention deletions per guest snapshot', positive, 1)
    .option('--snapshot-seconds <n>', 'seconds one snapshot takes', positive, 7)
    .option('--standard-only', 'every guest on the Standard lane, as before the fast lanes')
    .parse();
  const options = program.opts();
  const fleet: Fleet = {
    tenants: options.tenants,
    policiesPerTenant: options.policies,
    guestsPerPolicy: options.guests,
    runsPerDay: options.perDay,
    nodesPerTenant: options.nodes,
    perNode: options.perNode,
    windowHours: options.windowHours,
    polls: options.polls,
    deletions: options.deletions,
    snapshotSeconds: options.snapshotSeconds,
    guestsPerFastLane: runLaneChunk(
      { kind: 'snapshot', concurrency: { perNode: options.perNode } },
      options.guests,
    ),
    daysPerMonth: 30,
  };
  const workflows = await loadWorkflowDefinitions();
  const counts = countWorkflow(
    workflows.definitions[workflows.policyRunArn],
    workflows.definitions[workflows.laneArn],
    options.standardOnly ? undefined : workflows.definitions[workflows.fastLaneArn],
  );
  process.stdout.write(`${formatReport(estimateCost(fleet, counts), fleet)}\n`);
  process.stdout.write(`Counts per part (transitions / invocations): ${JSON.stringify(counts)}\n`);
}
