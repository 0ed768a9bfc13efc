/** A restore from a backup as the user chose it: the request for the API and the words that confirm it. */
import type { Schemas } from '../../../client/api-client.ts';
import type { Backup } from '../api/types.ts';
import { type Start, startLine } from './restore-plan.ts';

export interface BackupChoices {
  mode: 'new_guest' | 'overwrite';
  safetyBackup: boolean;
  start: Start;
  vmid: string;
  name: string;
  node: string;
  storage: string;
  copyTags: boolean;
}

export const INITIAL_BACKUP_CHOICES: BackupChoices = {
  mode: 'new_guest',
  safetyBackup: true,
  start: 'no',
  vmid: '',
  name: '',
  node: '',
  storage: '',
  copyTags: false,
};

/** The restore the API is asked for, from the dialog's choices. */
export function backupRestoreBody(choices: BackupChoices): Schemas['BackupRestoreRequest'] {
  const start = choices.start === 'default' ? {} : { start: choices.start === 'yes' };
  if (choices.mode === 'overwrite') return { overwrite: true, safetyBackup: choices.safetyBackup, ...start };
  const newGuest: NonNullable<Schemas['BackupRestoreRequest']['newGuest']> = {};
  if (choices.vmid.trim()) newGuest.vmid = Number(choices.vmid);
  for (const key of ['name', 'node', 'storage'] as const)
    if (choices[key].trim()) newGuest[key] = choices[key].trim();
  if (choices.copyTags) newGuest.copyTags = true;
  return { ...start, ...(Object.keys(newGuest).length > 0 ? { newGuest } : {}) };
}

const archiveName = (backup: Backup) => backup.volid?.slice(backup.volid.lastIndexOf('/') + 1) ?? backup.id;

/** In words, what Proxmox will do: the confirmation the user reads before anything happens. */
export function describeBackupRestore(backup: Backup, guestName: string, choices: BackupChoices): string[] {
  const what = `${backup.guestType === 'qemu' ? 'VM' : 'container'} ${backup.vmid} (${guestName})`;
  const archive = `"${archiveName(backup)}" on ${backup.storage}`;
  if (choices.mode === 'overwrite')
    return [
      choices.safetyBackup
        ? `First ${what} is backed up to ${backup.storage} (a safety backup), so its current state can be restored later.`
        : `No safety backup is taken: the current state of ${what} cannot be restored afterwards.`,
      `If ${what} is running it is stopped.`,
      `Proxmox restores ${archive} over ${what}: its disks, its configuration and all its snapshots are replaced.`,
      startLine(choices.start),
    ];
  const target = choices.vmid.trim() ? `VMID ${choices.vmid.trim()}` : 'the next free VMID';
  return [
    `Proxmox restores ${archive} into a new guest with ${target}${choices.name.trim() ? ` named ${choices.name.trim()}` : ''} on node ${choices.node.trim() || backup.node}${choices.storage.trim() ? `, its disks on ${choices.storage.trim()}` : ''}.`,
    `${what} itself is not touched.`,
    choices.copyTags
      ? 'The copy keeps the archive’s tags, so tag-selected policies will take it too.'
      : 'The copy’s tags are removed, so it joins no tag-selected policy.',
    choices.start === 'yes' ? 'It is started once restored.' : 'It stays stopped.',
  ];
}
