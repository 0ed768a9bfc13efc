/**
 * Proxmox's rule for snapshot names (pve-snapshot-name: pve-configid, at most 40 characters):
 * a letter, then at least one letter, digit, `_` or `-`.
 */
export const PROXMOX_SNAPSHOT_NAME = /^[a-zA-Z][a-zA-Z0-9_-]+$/;
export const PROXMOX_SNAPSHOT_NAME_MAX = 40;

/** Scheduled snapshots are named `<prefix>-<yyyymmdd>-<hhmm>` (UTC of the scheduled time). */
const SUFFIX_LENGTH = '-20260101-0000'.length;

/** The longest policy prefix that still leaves room for the time suffix. */
export const NAME_PREFIX_MAX = PROXMOX_SNAPSHOT_NAME_MAX - SUFFIX_LENGTH;

/** A prefix is a valid snapshot name start: a letter, then letters, digits, `_` or `-`. */
export const NAME_PREFIX_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]*$/;

/**
 * The deterministic name of the snapshot a policy takes for one scheduled time, so a retried
 * step finds the snapshot it already took instead of taking a second one.
 */
export function scheduledSnapshotName(prefix: string, scheduledAtMs: number): string {
  const iso = new Date(scheduledAtMs).toISOString();
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}`;
  return `${prefix}-${stamp}`;
}

/**
 * Snapshots taken by hand through the API and safety snapshots before a restore:
 * `<manual|safety>-<yyyymmdd>-<hhmmss>-<suffix>` (UTC), at most 29 characters. The suffix (four
 * lower-case letters or digits, unique per request) keeps two requests in the same second
 * apart. Names from before the suffix existed have none; reconciliation recognises both.
 */
export const HAND_SNAPSHOT_NAME = /^(manual|safety)-\d{8}-\d{6}(-[a-z0-9]{4})?$/;

const HAND_NAME_SUFFIX = /^[a-z0-9]{4}$/;

export function handSnapshotName(kind: 'manual' | 'safety', atMs: number, suffix: string): string {
  if (!HAND_NAME_SUFFIX.test(suffix)) throw new RangeError(`'${suffix}' is not a snapshot name suffix`);
  const iso = new Date(atMs).toISOString();
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return `${kind}-${stamp}-${suffix}`;
}
