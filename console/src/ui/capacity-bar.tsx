import { humanBytes } from '../../../client/format.ts';
import type { Storage } from '../api/types.ts';
import { usedShare } from './trend-geometry.ts';

const percent = (share: number) => `${Math.round(share * 100)} %`;

/** How full a storage is: a bar, and the same in words for screen readers and for reading. */
export function CapacityBar({ storage }: { storage: Storage }) {
  if (!storage.active) return <span class="muted">inactive: Proxmox cannot reach it</span>;
  const share = usedShare(storage.used, storage.total);
  const words = `${percent(share)} used: ${humanBytes(storage.used)} of ${humanBytes(storage.total)}, ${humanBytes(storage.avail)} free`;
  const fill = share >= 0.9 ? '#b3261e' : share >= 0.75 ? '#7d4e00' : '#116329';
  return (
    <div class="capacity" data-testid={`capacity-${storage.storage}-${storage.node}`}>
      <svg viewBox="0 0 100 6" preserveAspectRatio="none" class="bar" role="img" aria-label={words}>
        <rect x="0" y="0" width="100" height="6" fill="#eaeef2" />
        <rect x="0" y="0" width={share * 100} height="6" fill={fill} />
      </svg>
      <small>{words}</small>
    </div>
  );
}
