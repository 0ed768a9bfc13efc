import { runIdFor } from '#shared/domain/run.ts';
import type { TestApi } from './api.ts';

/** Runs one scheduled tick of a policy to its end, the service's clock a minute after the tick. */
export async function runTick(
  api: TestApi,
  tenantId: string,
  policyId: string,
  scheduledTime: string,
): Promise<string> {
  api.setNow(Date.parse(scheduledTime) + 60_000);
  const runId = runIdFor(policyId, scheduledTime);
  await api.runtime.workflows.start(runId, { tenantId, policyId, scheduledTime, trigger: 'schedule' });
  await api.runtime.workflows.drain();
  return runId;
}

/** A guest's archives on a storage as the simulated Proxmox has them, sorted. */
export const archivesOn = (api: TestApi, storage: string, vmid: number): string[] =>
  api.simulator.sim.state.volumes
    .filter((volume) => volume.storage === storage && volume.vmid === vmid)
    .map((volume) => volume.volid)
    .sort();
