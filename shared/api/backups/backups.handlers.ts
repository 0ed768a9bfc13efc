import type { OpenAPIHono } from '@hono/zod-openapi';
import type { BackupRecord } from '#shared/domain/backup/backup-record.ts';
import type { Operation } from '#shared/domain/operation.ts';
import {
  deleteBackup,
  getBackup,
  listBackups,
  listGuestBackups,
  updateBackup,
} from '#shared/services/backups/catalog.ts';
import { requestBackupRestore } from '#shared/services/backups/restore-backup.ts';
import type { OperationDeps } from '#shared/services/guest-operations/request-operation.ts';
import type { ApiEnv } from '../api-env.ts';
import { requestContext } from '../request-context.ts';
import * as routes from './backups.routes.ts';

const view = ({ tenantId: _tenantId, ...backup }: BackupRecord) => backup;
const page = (result: { items: BackupRecord[]; nextCursor?: string }) => ({
  items: result.items.map(view),
  ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
});

export function registerBackupRoutes(app: OpenAPIHono<ApiEnv>, deps: OperationDeps): void {
  app.openapi(routes.listBackupsRoute, async (c) => {
    const { cursor, guest, policy, storage, status, from, to, limit } = c.req.valid('query');
    const result = await listBackups(deps, requestContext(c), {
      limit,
      ...(cursor ? { cursor } : {}),
      ...(guest ? { guest } : {}),
      ...(policy ? { policy } : {}),
      ...(storage ? { storage } : {}),
      ...(status ? { status } : {}),
      ...(from ? { from: new Date(from).toISOString() } : {}),
      ...(to ? { to: new Date(to).toISOString() } : {}),
    });
    return c.json(page(result), 200);
  });

  app.openapi(routes.listGuestBackupsRoute, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const result = await listGuestBackups(deps, requestContext(c), c.req.valid('param').guestId, {
      limit,
      ...(cursor ? { cursor } : {}),
    });
    return c.json(page(result), 200);
  });

  app.openapi(routes.getBackupRoute, async (c) => {
    return c.json(view(await getBackup(deps, requestContext(c), c.req.valid('param').backupId)), 200);
  });

  app.openapi(routes.updateBackupRoute, async (c) => {
    const { notes, protected: pinned } = c.req.valid('json');
    const record = await updateBackup(deps, requestContext(c), c.req.valid('param').backupId, {
      ...(notes !== undefined ? { notes } : {}),
      ...(pinned !== undefined ? { protected: pinned } : {}),
    });
    return c.json(view(record), 200);
  });

  app.openapi(routes.deleteBackupRoute, async (c) => {
    return c.json(view(await deleteBackup(deps, requestContext(c), c.req.valid('param').backupId)), 200);
  });

  app.openapi(routes.restoreBackupRoute, async (c) => {
    const body = ((await c.req.text()) ? c.req.valid('json') : undefined) ?? {
      overwrite: false,
      safetyBackup: true,
    };
    const operation: Operation = await requestBackupRestore(
      deps,
      requestContext(c),
      c.req.valid('param').backupId,
      {
        overwrite: body.overwrite,
        safetyBackup: body.safetyBackup,
        ...(body.start !== undefined ? { start: body.start } : {}),
        ...(body.newGuest ? { newGuest: body.newGuest } : {}),
      },
    );
    const { tenantId: _tenantId, ...view } = operation;
    c.header('Location', `/v1/operations/${operation.id}`);
    return c.json(view, 202);
  });
}
