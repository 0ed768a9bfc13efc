/**
 * `npm run bench`: runs every benchmark and prints its figures. Figures are ratios against a
 * baseline measured in the same process, because the machines are shared and noisy.
 * Select benchmarks with `npm run bench -- api bundle`.
 */
import { runAgentBench } from './agent-bench.ts';
import { runApiBench, runBundleBench } from './api-bench.ts';
import { runBackupBench } from './backup-bench.ts';
import { runCatalogBench } from './catalog-bench.ts';
import { runHooksBench } from './hooks-bench.ts';
import { runInsightBench } from './insight-bench.ts';
import { runNotificationsBench } from './notifications-bench.ts';
import { runPlansBench } from './plans-bench.ts';
import { runProxmoxBench } from './proxmox-bench.ts';
import { runRetentionBench } from './retention-bench.ts';
import { runStorageGuardBench } from './storage-guard-bench.ts';
import { runWorkflowBench } from './workflow-bench.ts';

const benches: Record<string, (log: (line: string) => void) => Promise<void>> = {
  api: runApiBench,
  bundle: runBundleBench,
  proxmox: runProxmoxBench,
  workflow: runWorkflowBench,
  backup: runBackupBench,
  retention: runRetentionBench,
  notifications: runNotificationsBench,
  agent: runAgentBench,
  insight: runInsightBench,
  catalog: runCatalogBench,
  'storage-guard': runStorageGuardBench,
  hooks: runHooksBench,
  plans: runPlansBench,
};

const selected = process.argv.slice(2).filter((name) => !name.startsWith('-'));
const names = selected.length > 0 ? selected : Object.keys(benches);
for (const name of names) {
  const bench = benches[name];
  if (!bench) {
    console.error(`unknown benchmark '${name}'; choose from: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n== ${name} ==`);
  const started = performance.now();
  await bench((line) => console.log(`  ${line}`));
  console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
