/** A restore as the user chose it: the request for the API and the words that confirm it. */
import type { Schemas } from '../../../client/api-client.ts';
import type { Guest, GuestSnapshot } from '../api/types.ts';

export type Start = 'default' | 'yes' | 'no';

export interface Choices {
  mode: 'in_place' | 'new_guest';
  safetySnapshot: boolean;
  start: Start;
  vmid: string;
  name: string;
  node: string;
  storage: string;
  pool: string;
  copyTags: boolean;
}

/** The restore the API is asked for, from the dialog's choices. */
export function restoreBody(choices: Choices): Schemas['RestoreRequest'] {
  const start = choices.start === 'default' ? {} : { start: choices.start === 'yes' };
  if (choices.mode === 'in_place')
    return { mode: 'in_place', safetySnapshot: choices.safetySnapshot, ...start };
  const newGuest: NonNullable<Schemas['RestoreRequest']['newGuest']> = {};
  if (choices.vmid.trim()) newGuest.vmid = Number(choices.vmid);
  for (const key of ['name', 'node', 'storage', 'pool'] as const)
    if (choices[key].trim()) newGuest[key] = choices[key].trim();
  if (choices.copyTags) newGuest.copyTags = true;
  return { mode: 'new_guest', newGuest, ...start };
}

/** In words, what Proxmox will do: the confirmation the user reads before anything happens. */
export function describeRestore(guest: Guest, snapshot: GuestSnapshot, choices: Choices): string[] {
  const what = `${guest.type === 'qemu' ? 'VM' : 'container'} ${guest.vmid} (${guest.name})`;
  if (choices.mode === 'in_place') {
    return [
      choices.safetySnapshot
        ? `First a safety snapshot (safety-…) of ${what} is taken, so its current state can be restored later.`
        : `No safety snapshot is taken: the current state of ${what} cannot be restored afterwards.`,
      snapshot.vmstate
        ? `The snapshot holds RAM state: ${what} resumes exactly where the snapshot was taken.`
        : `If ${what} is running it is stopped first (the snapshot holds no RAM state).`,
      `Proxmox rolls ${what} back to "${snapshot.name}": everything written since then is lost${choices.safetySnapshot ? ' (except in the safety snapshot)' : ''}.`,
      startLine(choices.start),
    ];
  }
  const target = choices.vmid.trim() ? `VMID ${choices.vmid.trim()}` : 'the next free VMID';
  return [
    `Proxmox makes a full clone of "${snapshot.name}" into a new guest with ${target}${choices.name.trim() ? ` named ${choices.name.trim()}` : ''}${choices.node.trim() ? ` on node ${choices.node.trim()}` : ''}${choices.storage.trim() ? ` on storage ${choices.storage.trim()}` : ''}.`,
    `${what} itself is not touched.`,
    choices.copyTags
      ? 'The copy keeps the snapshot’s tags, so tag-selected policies will snapshot it too.'
      : 'The copy’s tags are removed, so it joins no tag-selected policy.',
    choices.pool.trim() ? `It is added to pool ${choices.pool.trim()}.` : 'It joins no pool.',
    choices.start === 'yes' ? 'It is started once cloned.' : 'It stays stopped.',
  ];
}

/** The sentence about starting the guest once a restore that replaces it is done. */
export function startLine(start: Start): string {
  return start === 'default'
    ? 'It is started again if it was running.'
    : start === 'yes'
      ? 'It is started afterwards.'
      : 'It stays stopped afterwards.';
}
