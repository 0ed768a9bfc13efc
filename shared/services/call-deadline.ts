import { ProxmoxUnreachableError } from '#shared/domain/proxmox-errors.ts';

/**
 * Settles with `work`, or fails with `ProxmoxUnreachableError` once `ms` have passed, so a caller
 * waiting on Proxmox always answers before its own timeout. The call itself is not cancelled: its
 * client's own timeouts end it.
 */
export async function withinProxmoxDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ProxmoxUnreachableError(
            `Proxmox did not answer within ${Math.round(ms / 1000)} s`,
            'call deadline exceeded',
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
