import { parseGuestId } from '#shared/domain/guest-id.ts';
import type { DomainEvent } from './events.ts';

export interface EmailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** What an email needs besides the event: where the API is, and the names of the guests it mentions. */
export interface EmailContext {
  /** The API's public base URL, e.g. `https://snapshots.example.com` (no trailing slash). */
  readonly apiUrl: string;
  /** Guest names by guest id, as the inventory knows them; a guest without one is shown by vmid. */
  readonly guestNames?: ReadonlyMap<string, string>;
}

interface RunFailure {
  readonly guestId?: string;
  readonly vmid?: number;
  readonly node?: string;
  readonly error?: string;
}

/** Where the full record of what the mail reports is: an API path (it needs a token). */
interface Details {
  readonly what: string;
  readonly path: string;
}

const escapeHtml = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The guest as people name it: `web01 (101)`; the vmid alone when the inventory has no name. */
export function guestLabel(
  guest: { guestId?: unknown; vmid?: unknown },
  names: ReadonlyMap<string, string> = new Map(),
): string {
  const guestId = typeof guest.guestId === 'string' ? guest.guestId : undefined;
  const vmid =
    typeof guest.vmid === 'number' ? guest.vmid : guestId ? parseGuestId(guestId)?.vmid : undefined;
  const name = guestId ? names.get(guestId) : undefined;
  if (name && vmid !== undefined) return `${name} (${vmid})`;
  return String(vmid ?? name ?? guestId ?? '?');
}

function render(
  context: EmailContext,
  subject: string,
  lines: string[],
  failures: RunFailure[],
  details?: Details,
): EmailContent {
  const label = (failure: RunFailure) => guestLabel(failure, context.guestNames);
  const failureLines = failures.map(
    (f) => `- ${label(f)}${f.node ? ` on ${f.node}` : ''}: ${f.error ?? 'failed'}`,
  );
  const url = details ? `${context.apiUrl}${details.path}` : undefined;
  const docs = `${context.apiUrl}/docs`;
  const curl = url ? `curl -H "Authorization: Bearer $TOKEN" ${url}` : undefined;
  const text = [
    ...lines,
    ...(failureLines.length ? ['', 'Failures:', ...failureLines] : []),
    ...(details ? ['', `The ${details.what} in full (the API needs your token):`, `  ${curl}`] : []),
    '',
    `API reference: ${docs}`,
    '',
    '-- pve-snapshots',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    failures.length
      ? `<h3>Failures</h3><table border="1" cellpadding="4" style="border-collapse:collapse"><tr><th>Guest</th><th>Node</th><th>Proxmox said</th></tr>${failures
          .map(
            (f) =>
              `<tr><td>${escapeHtml(label(f))}</td><td>${escapeHtml(f.node ?? '')}</td><td><code>${escapeHtml(f.error ?? 'failed')}</code></td></tr>`,
          )
          .join('')}</table>`
      : '',
    details
      ? `<p>The ${escapeHtml(details.what)} in full (the API needs your token):<br><code>${escapeHtml(curl)}</code></p>`
      : '',
    `<p><a href="${escapeHtml(docs)}">API reference</a> (opens in a browser without a token; says how to call the API)</p>`,
    '</body></html>',
  ].join('');
  return { subject, text, html };
}

/**
 * The email for an event: a subject an operator can triage from the inbox
 * (`[nightly] run failed on 3 of 40 guests`), counts, every failure with Proxmox's own text,
 * guests named as people name them (`web01 (101)`), how to read the full record from the API
 * (a `curl` line: every API route needs a bearer token, so a bare API link would only answer
 * 401 in a browser), and a link to the API reference, which opens without one.
 */
export function emailFor(event: DomainEvent, context: EmailContext): EmailContent {
  // biome-ignore lint/suspicious/noExplicitAny: event data is free-form JSON; each case reads the fields its type carries.
  const d = event.data as Record<string, any>;
  const policy = d.policyName ?? d.policyId ?? 'pve-snapshots';
  const guest = guestLabel(d, context.guestNames);
  const snapshotDetails: Details | undefined =
    typeof d.guestId === 'string' && typeof d.snapshotName === 'string'
      ? {
          what: 'snapshot record',
          path: `/v1/guests/${encodeURIComponent(d.guestId)}/snapshots/${encodeURIComponent(d.snapshotName)}`,
        }
      : undefined;
  switch (event.type) {
    case 'run.succeeded':
    case 'run.partially_failed':
    case 'run.failed': {
      const subject =
        event.type === 'run.succeeded'
          ? `[${policy}] run succeeded on ${d.succeeded} of ${d.targets} guests`
          : `[${policy}] run failed on ${d.failed} of ${d.targets} guests`;
      const lines = [
        `Policy ${policy}, run ${d.runId} for ${d.scheduledTime}: ${d.status}.`,
        `${d.targets} guests: ${d.succeeded} snapshots taken, ${d.failed} failed.`,
        ...(d.moreFailures ? [`${d.moreFailures} more failures are listed in the run.`] : []),
        ...(d.reason ? [String(d.reason)] : []),
      ];
      return render(context, subject, lines, (d.failures as RunFailure[] | undefined) ?? [], {
        what: 'run',
        path: `/v1/runs/${encodeURIComponent(String(d.runId))}`,
      });
    }
    case 'snapshot.failed':
      return render(
        context,
        `[${policy}] snapshot failed on guest ${guest}`,
        [`Snapshot ${d.snapshotName} of guest ${guest} failed.`],
        [d as RunFailure],
        snapshotDetails,
      );
    case 'lock.stuck':
      return render(
        context,
        `[pve-snapshots] guest ${guest} locked (${d.lock}) since ${d.since}`,
        [
          `Guest ${guest} on ${d.node} has been locked (${d.lock}) since ${d.since}; snapshots of it fail until the lock is cleared (qm unlock / pct unlock once no task holds it).`,
        ],
        [],
        typeof d.guestId === 'string'
          ? { what: 'guest', path: `/v1/guests/${encodeURIComponent(d.guestId)}` }
          : undefined,
      );
    case 'agent.offline':
      return render(
        context,
        `[pve-snapshots] agent for cluster ${d.clusterName} offline`,
        [
          `The agent for cluster ${d.clusterName} has been offline since ${d.offlineSince ?? 'it was registered'}; commands for the cluster fail until it reconnects (systemctl status pve-snapshots-agent on the host that runs it).`,
        ],
        [],
        typeof d.clusterId === 'string'
          ? { what: 'cluster', path: `/v1/clusters/${encodeURIComponent(d.clusterId)}` }
          : undefined,
      );
    case 'rpo.breached':
    case 'rpo.recovered':
      return render(
        context,
        event.type === 'rpo.breached'
          ? `[pve-snapshots] guest ${guest} ${d.state}: newest ${d.kind} ${d.newestAt ?? 'never made'}`
          : `[pve-snapshots] guest ${guest} back within its recovery-point objective (${d.kind})`,
        [
          event.type === 'rpo.breached'
            ? `Guest ${guest} has had no good ${d.kind} since ${d.newestAt ?? 'it was first expected'}; its policies promise one every ${d.expectedMinutes} minutes (${d.state} since ${d.breachedAt}).`
            : `Guest ${guest} has a ${d.kind} from ${d.newestAt} again; the breach since ${d.breachedAt} is over.`,
        ],
        [],
        typeof d.guestId === 'string'
          ? { what: 'guest', path: `/v1/guests/${encodeURIComponent(d.guestId)}` }
          : undefined,
      );
    case 'guest.unprotected':
      return render(
        context,
        `[pve-snapshots] new guest ${guest} is covered by no policy`,
        [
          `Guest ${guest} (${d.type} on ${d.node}) appeared in the inventory and no enabled policy snapshots it. Tag it, add it to a policy's selector, or leave it out on purpose (an exclusion).`,
        ],
        [],
        typeof d.guestId === 'string'
          ? { what: 'guest', path: `/v1/guests/${encodeURIComponent(d.guestId)}` }
          : undefined,
      );
    case 'storage.threshold':
    case 'storage.recovered':
      return render(
        context,
        event.type === 'storage.threshold'
          ? `[pve-snapshots] storage ${d.storage} reached its guard threshold (${d.thresholdPercent}%)`
          : `[pve-snapshots] storage ${d.storage} below its guard threshold again`,
        [
          event.type === 'storage.threshold'
            ? `A run skipped guests rather than fill storage ${d.storage} (${d.node === '*' ? 'shared' : `node ${d.node}`}) past ${d.thresholdPercent}%: ${d.error}. Free space (retention, a larger storage) or raise the policy's storageGuard threshold.`
            : `Storage ${d.storage} is at ${d.percent} of its capacity, below the threshold of ${d.thresholdPercent}% since ${d.openedAt}; runs write to it again.`,
        ],
        [],
        typeof d.clusterId === 'string'
          ? { what: 'storages', path: `/v1/clusters/${encodeURIComponent(d.clusterId)}/storages` }
          : undefined,
      );
    case 'subscription.confirmation':
      return render(
        context,
        'Confirm notifications from pve-snapshots',
        [
          `Your confirmation code is ${d.code}.`,
          `Confirm with POST ${context.apiUrl}/v1/subscriptions/${event.subscriptionId}/confirm and {"code": "${d.code}"} within 24 hours. Nothing else is sent to this address until then.`,
        ],
        [],
      );
    case 'notification.test':
      return render(
        context,
        '[pve-snapshots] test notification',
        ['This is a test notification; your subscription works.'],
        [],
      );
    default: {
      const operation = typeof d.operationId === 'string' ? d.operationId : undefined;
      return render(
        context,
        `[${policy}] ${event.type.replace('.', ' ')}${d.guestId !== undefined || d.vmid !== undefined ? ` on guest ${guest}` : ''}`,
        [
          `${event.type} at ${event.time}.`,
          ...(d.guestId !== undefined || d.vmid !== undefined ? [`guest: ${guest}`] : []),
          ...Object.entries(d)
            .filter(([key]) => key !== 'guestId' && key !== 'vmid')
            .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`),
        ],
        [],
        operation
          ? { what: 'operation', path: `/v1/operations/${encodeURIComponent(operation)}` }
          : snapshotDetails,
      );
    }
  }
}
