/**
 * What a vzdump task's log says about the archive it wrote. vzdump logs, per guest,
 * `INFO: creating vzdump archive '<path>'` (the final name; a `.dat`/`.tmp` name is only used
 * while writing), so the last such line names the archive of a one-guest task.
 */
const CREATING = /creating (?:vzdump )?archive '([^']+)'/;

/** The archive's file name from a vzdump task log, or undefined when the log names none. */
export function archiveFileFromLog(lines: readonly string[]): string | undefined {
  let file: string | undefined;
  for (const line of lines) {
    const match = CREATING.exec(line);
    if (match?.[1]) file = match[1].slice(match[1].lastIndexOf('/') + 1);
  }
  return file;
}

/** Lines kept with a failed backup's record: enough to read why, bounded for the item size. */
const LOG_TAIL_LINES = 20;

export function logTail(lines: readonly string[]): string[] {
  return lines.slice(-LOG_TAIL_LINES).map((line) => line.slice(0, 500));
}

const GUEST_FAILED = /^ERROR: Backup of VM \d+ failed - (.*)$/;

/**
 * Why the guest's backup failed, as vzdump logs it: the task itself only ends with `job errors`,
 * the reason (a lock, a full storage) is on the guest's `ERROR: Backup of VM ... failed - ` line.
 */
export function guestFailureFromLog(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const match = GUEST_FAILED.exec(line);
    if (match?.[1]) return match[1];
  }
  return undefined;
}
