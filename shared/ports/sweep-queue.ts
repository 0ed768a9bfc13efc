/**
 * One bounded unit of the daily sweep. A tenant unit lists the tenant's live guests and enqueues
 * them in chunks; a guests unit reconciles its chunk against Proxmox, then starts retention's
 * prune-only lanes for it.
 */
export type SweepUnit =
  | { readonly kind: 'tenant'; readonly tenantId: string }
  | {
      readonly kind: 'guests';
      readonly tenantId: string;
      /** Unique within the tenant and the day: keeps the chunk's prune lanes apart from others. */
      readonly chunk: string;
      readonly guestIds: readonly string[];
    };

/** Where the sweep's units go (the RPO check's too): asynchronous invocations in AWS, an in-process queue locally. */
export interface SweepQueue<U = SweepUnit> {
  enqueue(units: readonly U[]): Promise<void>;
}
