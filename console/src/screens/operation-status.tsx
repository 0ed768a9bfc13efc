import { data as answer } from '../api/client.ts';
import type { Operation } from '../api/types.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session-context.ts';
import { ErrorMessage, StatusBadge } from '../ui/components.tsx';
import { useLoad } from '../ui/use-load.ts';

const ENDED = new Set(['succeeded', 'failed']);

/** A snapshot, deletion or restore the user started: followed until it ends, then its outcome. */
export function OperationStatus({ operation, onEnded }: { operation: Operation; onEnded?: () => void }) {
  const { api } = useSession();
  const live = useLoad(
    async () => {
      const current = await answer(
        api.GET('/v1/operations/{operationId}', { params: { path: { operationId: operation.id } } }),
      );
      if (ENDED.has(current.status)) onEnded?.();
      return current;
    },
    operation.id,
    { pollMs: 1000, poll: (data) => !ENDED.has(data.status) },
  );
  const current = live.data ?? operation;
  const result = current.result ?? {};
  return (
    <div class="operation" aria-live="polite" data-testid="operation">
      <p>
        {current.kind.replaceAll('-', ' ')} <strong>{current.snapshotName}</strong>:{' '}
        <StatusBadge status={current.status} />
      </p>
      {current.steps?.length ? <p class="muted">Steps: {current.steps.join(' → ')}</p> : null}
      {result.safetySnapshot ? <p>Safety snapshot taken: {result.safetySnapshot}</p> : null}
      {result.safetyBackupId ? <p>Safety backup taken: {result.safetyBackupId}</p> : null}
      {result.newGuestId ? (
        <p>
          New guest:{' '}
          <Link href={`/guests/${encodeURIComponent(result.newGuestId)}`}>{result.newGuestId}</Link>
        </p>
      ) : null}
      {current.error ? <p class="proxmox-text">Proxmox said: {current.error}</p> : null}
      <ErrorMessage error={live.error} />
    </div>
  );
}
