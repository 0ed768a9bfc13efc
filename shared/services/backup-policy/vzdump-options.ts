import type { VzdumpOptions } from '#shared/domain/lane.ts';
import type { Policy } from '#shared/domain/policy.ts';

/** A backup policy's options as vzdump takes them (`compress=0` for none); null for a snapshot policy. */
export function vzdumpOptions(policy: Pick<Policy, 'kind' | 'backup'>): VzdumpOptions | null {
  if (policy.kind !== 'backup' || !policy.backup) return null;
  const { storage, mode, compress, notesTemplate, bwlimitKiBps } = policy.backup;
  return {
    type: 'vzdump',
    storage,
    mode,
    compress: compress === 'none' ? '0' : compress,
    protected: policy.backup.protected,
    ...(notesTemplate ? { notesTemplate } : {}),
    ...(bwlimitKiBps ? { bwlimit: bwlimitKiBps } : {}),
  };
}
