/** The tag the service puts on every guest it creates to test a restore (and finds leftovers by). */
export const RESTORE_TEST_TAG = 'pvesnap-restore-test';

const NET_KEY = /^net\d+$/;

/**
 * The config options that isolate a freshly restored guest: every network device (`netN`, QEMU
 * and LXC alike; both schemas have the `link_down` flag, "like pulling the plug") with
 * `link_down=1`, and the service's tag as the only tag, so no tag-selected policy takes the copy
 * and reconciliation can find it. Other device options are kept as written.
 */
export function isolationOptions(config: Readonly<Record<string, unknown>>): Record<string, string> {
  const options: Record<string, string> = { tags: RESTORE_TEST_TAG };
  for (const [key, value] of Object.entries(config)) {
    if (!NET_KEY.test(key) || typeof value !== 'string') continue;
    options[key] = withLinkDown(value);
  }
  return options;
}

function withLinkDown(device: string): string {
  const parts = device.split(',').filter((part) => part !== '' && !part.startsWith('link_down='));
  return [...parts, 'link_down=1'].join(',');
}

/** Whether every network device of a config has its link down (a guest without devices has none up). */
export function linksDown(config: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(config)
    .filter(([key, value]) => NET_KEY.test(key) && typeof value === 'string')
    .every(([, value]) => String(value).split(',').includes('link_down=1'));
}

/** Whether a guest's tags (Proxmox's `;`-joined string or a list) carry the restore-test tag. */
export function isRestoreTestGuest(tags: string | readonly string[] | undefined): boolean {
  const list = typeof tags === 'string' ? tags.split(/[,;\s]+/) : (tags ?? []);
  return list.includes(RESTORE_TEST_TAG);
}
