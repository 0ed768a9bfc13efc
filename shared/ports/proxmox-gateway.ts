import { z } from 'zod';
import { GUEST_TYPES } from '#shared/domain/guest.ts';
import { PROXMOX_SNAPSHOT_NAME } from '#shared/domain/snapshot-name.ts';

const guest = {
  node: z.string().regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/),
  guestType: z.enum(GUEST_TYPES),
  vmid: z.number().int().min(100).max(999_999_999),
};
const snapshotName = z.string().max(40).regex(PROXMOX_SNAPSHOT_NAME);

/** Every command the workflows may send to Proxmox; one small typed command per call. */
const ConnectorCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('version') }),
  z.strictObject({ type: z.literal('listGuests') }),
  z.strictObject({ type: z.literal('nextVmid') }),
  z.strictObject({ type: z.literal('guestStatus'), ...guest }),
  z.strictObject({ type: z.literal('listSnapshots'), ...guest }),
  z.strictObject({
    type: z.literal('createSnapshot'),
    ...guest,
    name: snapshotName,
    description: z.string().max(8192).optional(),
    vmstate: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('deleteSnapshot'),
    ...guest,
    name: snapshotName,
    force: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('rollbackSnapshot'),
    ...guest,
    name: snapshotName,
    start: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('updateSnapshotDescription'),
    ...guest,
    name: snapshotName,
    description: z.string().max(8192),
  }),
  z.strictObject({ type: z.literal('clearTags'), ...guest }),
  z.strictObject({ type: z.literal('startGuest'), ...guest }),
  z.strictObject({ type: z.literal('stopGuest'), ...guest }),
  z.strictObject({
    type: z.literal('clone'),
    ...guest,
    newid: z.number().int().min(100).max(999_999_999),
    name: z.string().max(128).optional(),
    snapname: snapshotName.optional(),
    full: z.boolean().optional(),
    target: z.string().optional(),
    storage: z.string().optional(),
    pool: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('vzdump'),
    node: guest.node,
    vmid: guest.vmid,
    storage: z.string().min(1),
    mode: z.enum(['snapshot', 'suspend', 'stop']).optional(),
    compress: z.enum(['0', 'gzip', 'lzo', 'zstd']).optional(),
    notesTemplate: z.string().max(1024).optional(),
    protected: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('listBackups'),
    node: guest.node,
    storage: z.string().min(1),
    vmid: guest.vmid.optional(),
  }),
  z.strictObject({
    type: z.literal('deleteVolume'),
    node: guest.node,
    storage: z.string().min(1),
    volid: z.string().min(1),
  }),
  z.strictObject({
    type: z.literal('restore'),
    ...guest,
    archive: z.string().min(1),
    storage: z.string().optional(),
    force: z.boolean().optional(),
    start: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal('taskStatus'), upid: z.string().startsWith('UPID:') }),
  z.strictObject({
    type: z.literal('snapshotTaskStatus'),
    ...guest,
    upid: z.string().startsWith('UPID:'),
    name: snapshotName,
  }),
  z.strictObject({ type: z.literal('taskOutcome'), upid: z.string().startsWith('UPID:') }),
]);

export type ConnectorCommand = z.infer<typeof ConnectorCommandSchema>;

const ClusterRequestSchema = z.strictObject({
  tenantId: z.string().min(1),
  clusterId: z.string().min(1),
  command: ConnectorCommandSchema,
  /**
   * A policy run's id: the command is sent only while that run goes on (not cancelled, not
   * ended); otherwise it fails with a RunStoppedError and nothing reaches Proxmox. Checked
   * right before the call, so no guest is started after a cancel.
   */
  whileRunning: z.string().min(1).optional(),
});

/** Checks connection details that are not stored yet (registration, changed settings). */
const ProbeRequestSchema = z.strictObject({
  probe: z.strictObject({
    url: z.url(),
    tokenId: z.string().min(1),
    secret: z.string().min(1),
    fingerprint: z.string().optional(),
    caCertificate: z.string().optional(),
  }),
});

export const ConnectorRequestSchema = z.union([ClusterRequestSchema, ProbeRequestSchema]);

export type ConnectorRequest = z.infer<typeof ConnectorRequestSchema>;

/**
 * How the API reaches Proxmox: by sending one connector request. In AWS the request goes to
 * the connector function (the only code that talks to Proxmox); in the local runtime the same
 * connector code runs in-process. Either way the same typed errors come back.
 */
export interface ProxmoxGateway {
  call(request: ConnectorRequest): Promise<unknown>;
}
