import { z } from 'zod';
import type { RecoveryPoint } from '#shared/domain/insight/rpo.ts';
import { backupEntity } from './entities/backup.ts';
import { type RpoEpisode, rpoEpisodeEntity } from './entities/rpo-episode.ts';
import { snapshotEntity } from './entities/snapshot.ts';
import { IS_NEW, type TableAccess } from './table-access.ts';
import { TABLE_SCHEMA } from './table-schema.ts';

/** Only what the monitor needs of a snapshot or backup record (a projection, not the whole item). */
const goodPoint = z.object({
  [TABLE_SCHEMA.entityAttribute]: z.enum([snapshotEntity.name, backupEntity.name]),
  status: z.literal('created'),
  createdAt: z.string(),
  policyId: z.string().optional(),
});

/** What the coverage and RPO reports read beyond the other stores: recovery points and open episodes. */
export class InsightStore {
  readonly #table: TableAccess;

  constructor(table: TableAccess) {
    this.#table = table;
  }

  /**
   * A guest's good recovery points (snapshot and backup records with status `created`), in one
   * Query: both live in the guest's own partition. Only four attributes come back.
   */
  async recoveryPoints(tenantId: string, guestId: string): Promise<RecoveryPoint[]> {
    const { pk } = snapshotEntity.key({ tenantId, guestId, name: '' });
    const items = await this.#table.queryAll(
      {
        KeyConditionExpression: `${TABLE_SCHEMA.partitionKey} = :pk`,
        FilterExpression: '#status = :created',
        ProjectionExpression: '#entity, #status, createdAt, policyId',
        ExpressionAttributeNames: { '#status': 'status', '#entity': TABLE_SCHEMA.entityAttribute },
        ExpressionAttributeValues: { ':pk': pk, ':created': 'created' },
      },
      (item) => goodPoint.safeParse(item),
    );
    return items.flatMap((parsed) =>
      parsed.success
        ? [
            {
              kind:
                parsed.data[TABLE_SCHEMA.entityAttribute] === snapshotEntity.name
                  ? ('snapshot' as const)
                  : ('backup' as const),
              createdMs: Date.parse(parsed.data.createdAt),
              ...(parsed.data.policyId !== undefined ? { policyId: parsed.data.policyId } : {}),
            },
          ]
        : [],
    );
  }

  async openEpisodes(tenantId: string): Promise<RpoEpisode[]> {
    return await this.#table.queryAll(rpoEpisodeEntity.query({ tenantId }), rpoEpisodeEntity.parse);
  }

  /** Opens an episode; false when it is open already (another check got there first). */
  async openEpisode(episode: RpoEpisode): Promise<boolean> {
    return await this.#table.writeIf(rpoEpisodeEntity.item(episode), IS_NEW);
  }

  async closeEpisode(episode: RpoEpisode): Promise<void> {
    await this.#table.deleteItem(rpoEpisodeEntity.key(episode));
  }
}
