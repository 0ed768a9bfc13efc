import type { DomainEvent } from './events.ts';

export interface EmailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

interface RunFailure {
  readonly guestId?: string;
  readonly vmid?: number;
  readonly node?: string;
  readonly error?: string;
}

const escapeHtml = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function render(subject: string, lines: string[], failures: RunFailure[], link?: string): EmailContent {
  const failureLines = failures.map(
    (f) => `- ${f.vmid ?? f.guestId ?? '?'}${f.node ? ` on ${f.node}` : ''}: ${f.error ?? 'failed'}`,
  );
  const text = [
    ...lines,
    ...(failureLines.length ? ['', 'Failures:', ...failureLines] : []),
    ...(link ? ['', `Details: ${link}`] : []),
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
              `<tr><td>${escapeHtml(f.vmid ?? f.guestId ?? '?')}</td><td>${escapeHtml(f.node ?? '')}</td><td><code>${escapeHtml(f.error ?? 'failed')}</code></td></tr>`,
          )
          .join('')}</table>`
      : '',
    link ? `<p><a href="${escapeHtml(link)}">Open the run</a></p>` : '',
    '</body></html>',
  ].join('');
  return { subject, text, html };
}

/**
 * The email for an event: a subject an operator can triage from the inbox
 * (`[nightly] run failed on 3 of 40 guests`), counts, every failure with Proxmox's own text,
 * and a link to the run in the API.
 */
export function emailFor(event: DomainEvent, apiUrl: string): EmailContent {
  // biome-ignore lint/suspicious/noExplicitAny: event data is free-form JSON; each case reads the fields its type carries.
  const d = event.data as Record<string, any>;
  const policy = d.policyName ?? d.policyId ?? 'pve-snapshots';
  switch (event.type) {
    case 'run.succeeded':
    case 'run.partially_failed':
    case 'run.failed': {
      const link = `${apiUrl}/v1/runs/${d.runId}`;
      const subject =
        event.type === 'run.succeeded'
          ? `[${policy}] run succeeded on ${d.succeeded} of ${d.targets} guests`
          : `[${policy}] run failed on ${d.failed} of ${d.targets} guests`;
      const lines = [
        `Policy ${policy}, run ${d.runId} for ${d.scheduledTime}: ${d.status}.`,
        `${d.targets} guests: ${d.succeeded} snapshots taken, ${d.failed} failed.`,
        ...(d.reason ? [String(d.reason)] : []),
      ];
      return render(subject, lines, (d.failures as RunFailure[] | undefined) ?? [], link);
    }
    case 'snapshot.failed':
      return render(
        `[${policy}] snapshot failed on guest ${d.vmid}`,
        [`Snapshot ${d.snapshotName} of guest ${d.guestId} failed.`],
        [d as RunFailure],
      );
    case 'lock.stuck':
      return render(
        `[pve-snapshots] guest ${d.vmid} locked (${d.lock}) since ${d.since}`,
        [
          `Guest ${d.guestId} on ${d.node} has been locked (${d.lock}) since ${d.since}; snapshots of it fail until the lock is cleared (qm unlock / pct unlock once no task holds it).`,
        ],
        [],
      );
    case 'subscription.confirmation':
      return render(
        'Confirm notifications from pve-snapshots',
        [
          `Your confirmation code is ${d.code}.`,
          `Confirm with POST /v1/subscriptions/${event.subscriptionId}/confirm and {"code": "${d.code}"} within 24 hours. Nothing else is sent to this address until then.`,
        ],
        [],
      );
    case 'notification.test':
      return render(
        '[pve-snapshots] test notification',
        ['This is a test notification; your subscription works.'],
        [],
      );
    default:
      return render(
        `[${policy}] ${event.type.replace('.', ' ')}${d.vmid ? ` on guest ${d.vmid}` : ''}`,
        [
          `${event.type} at ${event.time}.`,
          ...Object.entries(d).map(
            ([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`,
          ),
        ],
        [],
      );
  }
}
