import type { VersionedStore } from '#shared/adapters/dynamo/versioned-store.ts';
import { type AuditContext, auditSummary } from '#shared/domain/audit.ts';
import { assertVersion, NotFoundError, ScheduleWriteError } from '#shared/domain/errors.ts';
import type { PolicySpec } from '#shared/domain/policy.ts';
import { auditEvent, authorize } from './audit-trail.ts';
import { canonicalGuestIds } from './guest-reference.ts';
import { retryStaleWrites } from './retry-stale-writes.ts';
import type { ServiceDeps } from './service-deps.ts';

/** What the service adds to a client's spec when it stores a scheduled resource. */
interface ScheduledMeta {
  readonly id: string;
  readonly tenantId: string;
  /** The schedule as EventBridge Scheduler's `cron(...)`, derived from the spec's cron. */
  readonly schedulerExpression: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Incremented on every change; the API's ETag. */
  readonly version: number;
}

/** A spec as clients write it: named, with a schedule and a guest selector. */
interface ScheduledSpec {
  readonly name: string;
  readonly selector: PolicySpec['selector'];
}

export type Scheduled<S extends ScheduledSpec> = S & ScheduledMeta;

/**
 * What tells one kind of scheduled resource (a policy, a restore test) from another: its names,
 * its store and schedules, its rules, and the checks it adds around the shared steps.
 */
export interface ScheduledResourceKind<S extends ScheduledSpec, D extends ServiceDeps> {
  /** In errors: `policy`, `restore test`. */
  readonly noun: string;
  /** In the audit trail (`<resourceType>.create`, ...). */
  readonly resourceType: string;
  readonly idPrefix: string;
  readonly records: (deps: ServiceDeps) => VersionedStore<Scheduled<S>>;
  readonly schedules: (deps: D) => {
    put(record: Scheduled<S>): Promise<void>;
    remove(record: Scheduled<S>): Promise<void>;
  };
  /** The rules beyond field shapes; answers the Scheduler expression. */
  readonly check: (spec: S) => { schedulerExpression: string };
  /** The client-written part of a stored record (what a merge patch applies to). */
  readonly specOf: (record: Scheduled<S>) => S;
  /** The record as the audit trail summarises it. */
  readonly view: (record: Scheduled<S>) => object;
  /** Whether guests the stored version names pass an update unchecked (they may have left the inventory). */
  readonly trustStoredGuests: boolean;
  /** Checks of a create before its guests are looked up (a plan's feature). */
  readonly beforeCreate?: (deps: D, tenantId: string) => Promise<void>;
  /** Checks of the record about to be written (quotas, storages). */
  readonly beforeWrite?: (deps: D, after: Scheduled<S>, before?: Scheduled<S>) => Promise<void>;
}

/**
 * Create, update and delete of a scheduled, versioned resource: authorized, checked, written
 * with its audit entry in one transaction, and its schedule kept in step with the record.
 */
export function scheduledResources<S extends ScheduledSpec, D extends ServiceDeps>(
  kind: ScheduledResourceKind<S, D>,
) {
  const facts = (verb: 'create' | 'update' | 'delete', resourceId: string) => ({
    action: `${kind.resourceType}.${verb}`,
    resourceType: kind.resourceType,
    resourceId,
  });

  /** The audit entry written in the same transaction as the change, with the record before and after. */
  const auditEntry = (
    deps: D,
    context: AuditContext,
    verb: 'create' | 'update' | 'delete',
    id: string,
    change: { before?: Scheduled<S>; after?: Scheduled<S> },
  ) => [
    deps.store.audit.entry(
      auditEvent(deps, context, {
        ...facts(verb, id),
        ...(change.before ? { before: auditSummary(kind.view(change.before)) } : {}),
        ...(change.after ? { after: auditSummary(kind.view(change.after)) } : {}),
      }),
    ),
  ];

  /**
   * Writes the schedule first, then the record; if the record write fails, the schedule is put
   * back as it was. A schedule that cannot be written stops the change before anything is
   * stored. Either way the stored record and its schedule agree.
   */
  async function scheduleThenWrite(
    apply: () => Promise<void>,
    write: () => Promise<void>,
    undo: () => Promise<void>,
  ): Promise<void> {
    try {
      await apply();
    } catch (error) {
      throw new ScheduleWriteError(
        `the ${kind.noun}'s schedule could not be written: ${(error as Error).message}`,
        { cause: error },
      );
    }
    try {
      await write();
    } catch (error) {
      await undo().catch(() => undefined);
      throw error;
    }
  }

  /**
   * The spec with every guest its selector names (`guests`, `exclude.guests`; by id or
   * `<cluster>/<vmid>`) as its canonical id; a guest the inventory does not know is a 422 naming it.
   */
  async function withCanonicalGuests(deps: D, tenantId: string, spec: S, before?: S): Promise<S> {
    const { guests, exclude } = spec.selector;
    if (guests.length === 0 && exclude.guests.length === 0) return spec;
    const known = new Set(
      kind.trustStoredGuests
        ? [...(before?.selector.guests ?? []), ...(before?.selector.exclude.guests ?? [])]
        : [],
    );
    const ids = await canonicalGuestIds(
      deps,
      tenantId,
      [
        ...guests.map((value, index) => ({ path: `selector.guests.${index}`, value })),
        ...exclude.guests.map((value, index) => ({ path: `selector.exclude.guests.${index}`, value })),
      ],
      known,
    );
    return {
      ...spec,
      selector: {
        ...spec.selector,
        guests: ids.slice(0, guests.length),
        exclude: { ...exclude, guests: ids.slice(guests.length) },
      },
    };
  }

  async function get(deps: ServiceDeps, tenantId: string, id: string): Promise<Scheduled<S>> {
    const record = await kind.records(deps).get(tenantId, id);
    if (!record) throw new NotFoundError(kind.noun, id);
    return record;
  }

  async function create(deps: D, context: AuditContext, input: S): Promise<Scheduled<S>> {
    const id = deps.ids.next(kind.idPrefix);
    const tenantId = context.principal.tenantId;
    await authorize(deps, context, 'manage', facts('create', id));
    const { schedulerExpression } = kind.check(input);
    await kind.beforeCreate?.(deps, tenantId);
    const spec = await withCanonicalGuests(deps, tenantId, input);
    const at = new Date(deps.now()).toISOString();
    const record: Scheduled<S> = {
      ...spec,
      id,
      tenantId,
      schedulerExpression,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
    await kind.beforeWrite?.(deps, record);
    const schedules = kind.schedules(deps);
    await scheduleThenWrite(
      () => schedules.put(record),
      () => kind.records(deps).create(record, auditEntry(deps, context, 'create', id, { after: record })),
      () => schedules.remove(record),
    );
    return record;
  }

  async function updateOnce(
    deps: D,
    context: AuditContext,
    id: string,
    build: (current: S) => S,
    expectedVersion?: number,
  ): Promise<Scheduled<S>> {
    await authorize(deps, context, 'manage', facts('update', id));
    const before = await get(deps, context.principal.tenantId, id);
    assertVersion(kind.noun, before.version, expectedVersion);
    const current = kind.specOf(before);
    const built = build(current);
    const { schedulerExpression } = kind.check(built);
    const spec = await withCanonicalGuests(deps, context.principal.tenantId, built, current);
    const after: Scheduled<S> = {
      ...spec,
      id: before.id,
      tenantId: before.tenantId,
      schedulerExpression,
      createdAt: before.createdAt,
      updatedAt: new Date(deps.now()).toISOString(),
      version: before.version + 1,
    };
    await kind.beforeWrite?.(deps, after, before);
    const schedules = kind.schedules(deps);
    await scheduleThenWrite(
      () => schedules.put(after),
      () =>
        kind.records(deps).update(before, after, auditEntry(deps, context, 'update', id, { before, after })),
      () => schedules.put(before),
    );
    return after;
  }

  /**
   * Updates a record with the spec `build` makes of the stored one (the API applies the client's
   * merge patch and validates the result there, so a rejected update never reaches the store).
   * Without `expectedVersion` (no If-Match) a concurrent change makes it read and apply again.
   */
  function update(
    deps: D,
    context: AuditContext,
    id: string,
    build: (current: S) => S,
    expectedVersion?: number,
  ): Promise<Scheduled<S>> {
    const once = () => updateOnce(deps, context, id, build, expectedVersion);
    return expectedVersion === undefined ? retryStaleWrites(once) : once();
  }

  async function removeOnce(deps: D, context: AuditContext, id: string, expectedVersion?: number) {
    await authorize(deps, context, 'manage', facts('delete', id));
    const record = await get(deps, context.principal.tenantId, id);
    assertVersion(kind.noun, record.version, expectedVersion);
    const schedules = kind.schedules(deps);
    await scheduleThenWrite(
      () => schedules.remove(record),
      () => kind.records(deps).remove(record, auditEntry(deps, context, 'delete', id, { before: record })),
      () => schedules.put(record),
    );
  }

  /** Deletes a record and its schedule; without `expectedVersion` (no If-Match) a concurrent change does not stop it. */
  async function remove(deps: D, context: AuditContext, id: string, expectedVersion?: number): Promise<void> {
    const once = () => removeOnce(deps, context, id, expectedVersion);
    await (expectedVersion === undefined ? retryStaleWrites(once) : once());
  }

  /** The spec's guests as the inventory knows them (the canonical ids); a 422 names one it does not know. */
  const canonicalGuests = (deps: D, tenantId: string, spec: S): Promise<S> =>
    withCanonicalGuests(deps, tenantId, spec);

  return { get, create, update, remove, canonicalGuests };
}
