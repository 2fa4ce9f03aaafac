/**
 * The SCIM user writes (create, replace, patch, delete) as use cases: the routes parse the request, call one of
 * these and answer with what it returns. Each write is one transaction (data, derived columns, employee link, and the
 * signals it owes the workflows, in the outbox); after the commit the signals are handed to the relay, which delivers
 * them, and the request answers without waiting for Temporal. A write that changes nothing writes nothing and signals
 * nothing.
 */
import { sameResourceData, type ResourceData } from '../../domain/scim/coerce';
import { ScimError } from '../../domain/scim/errors';
import type { PatchOperation } from '../../domain/scim/patch-request';
import { userKeys } from '../../domain/scim/user';
import { applyUserPatch } from '../../domain/scim/user-patch';
import { recordAccountSignals, type AccountSignal, type StoredAccountSignal } from '../../store/account-signals';
import {
  deleteScimUser,
  insertScimUser,
  lockScimUser,
  ScimUserNameTakenError,
  updateScimUser,
  type ScimUserRow,
} from '../../store/scim-users';
import { AccountChange } from '../../workflows/account-definitions';
import { accountChanged, entraObjectLinked, type AccountSnapshot } from '../../orchestration/account-events';
import { userRules, type ScimDeps } from './context';
import { linkEmployee, type EmployeeLink } from './employee-link';

/** What the user writes need. */
export type UserWriteDeps = Pick<ScimDeps, 'db' | 'logger' | 'signals' | 'policies'>;

interface Written {
  after: ScimUserRow;
  signals: StoredAccountSignal[];
}

function snapshot(row: ScimUserRow, employeeId: string | null): AccountSnapshot {
  return { version: row.version, userName: row.userName, active: row.active, externalId: row.externalId, employeeId };
}

function changeOf(before: ScimUserRow | undefined, after: ScimUserRow): AccountChange {
  if (!before) return AccountChange.Created;
  if (before.active && !after.active) return AccountChange.Deactivated;
  if (!before.active && after.active) return AccountChange.Reactivated;
  return AccountChange.Updated;
}

/** The signals a committed write of `after` owes the workflows. */
function signalsOf(
  companyId: string,
  before: ScimUserRow | undefined,
  after: ScimUserRow,
  link: EmployeeLink,
): AccountSignal[] {
  const signals = [accountChanged(companyId, after.id, changeOf(before, after), snapshot(after, link.employeeId))];
  if (link.handOff) {
    signals.push(
      entraObjectLinked(companyId, link.handOff.employeeId, {
        entraObjectId: link.handOff.entraObjectId,
        scimUserId: after.id,
        userName: after.userName,
      }),
    );
  }
  return signals;
}

/**
 * Writes a user's new data (a create when `id` is undefined) with its derived columns, links it to its employee and
 * records the signals it owes the workflows, in one transaction. When the new data equals the stored data nothing is
 * written.
 * @returns the outcome, `unchanged` with the stored row for a no-op, or null when there is no user `id`
 * @throws ScimError 409 `uniqueness` when the userName is taken
 */
async function writeUser(
  deps: UserWriteDeps,
  companyId: string,
  id: string | undefined,
  nextData: (current: ResourceData | undefined) => ResourceData,
): Promise<Written | { unchanged: ScimUserRow } | null> {
  const rules = userRules(await deps.policies(companyId));
  try {
    return await deps.db.transaction(async (tx) => {
      let before: ScimUserRow | undefined;
      if (id !== undefined) {
        const locked = await lockScimUser(tx, companyId, id);
        if (!locked) return null;
        before = locked;
      }
      const data = nextData(before?.resource);
      if (before && sameResourceData(data, before.resource)) return { unchanged: before };
      const keys = userKeys(data, rules);
      const after =
        id === undefined
          ? await insertScimUser(tx, companyId, data, keys)
          : await updateScimUser(tx, companyId, id, data, keys);
      if (!after) return null;
      const link = await linkEmployee(tx, companyId, after, keys.linkEmail, deps.logger);
      const linked = { ...after, employeeId: link.employeeId };
      return { after: linked, signals: await recordAccountSignals(tx, signalsOf(companyId, before, linked, link)) };
    });
  } catch (err) {
    if (err instanceof ScimUserNameTakenError) throw ScimError.conflict(err.message);
    throw err;
  }
}

/** Hands a committed write's signals to the relay (a no-op has none) and returns the user as stored. */
function settle(deps: UserWriteDeps, written: Written | { unchanged: ScimUserRow }): ScimUserRow {
  if ('unchanged' in written) return written.unchanged;
  handOver(deps, written.signals);
  return written.after;
}

function handOver(deps: UserWriteDeps, signals: readonly StoredAccountSignal[]): void {
  for (const signal of signals) deps.signals?.accepted(signal.id, signal);
}

/**
 * Creates a SCIM user from finalised data (`finaliseUser`), links it to its employee and starts its account
 * workflow. Not idempotent: a second create with the same userName is a conflict.
 * @throws ScimError 409 `uniqueness`
 */
export async function createUser(deps: UserWriteDeps, companyId: string, data: ResourceData): Promise<ScimUserRow> {
  const written = await writeUser(deps, companyId, undefined, () => data);
  if (written === null || 'unchanged' in written) throw new Error('a create must write a new user');
  return settle(deps, written);
}

/**
 * Replaces a user's data (PUT). Idempotent: replacing with the data already stored writes and signals nothing.
 * @returns the user as stored, or null when there is no such user
 * @throws ScimError 409 `uniqueness`
 */
export async function replaceUser(
  deps: UserWriteDeps,
  companyId: string,
  id: string,
  data: ResourceData,
): Promise<ScimUserRow | null> {
  const written = await writeUser(deps, companyId, id, () => data);
  return written === null ? null : settle(deps, written);
}

/**
 * Applies PATCH operations (`parsePatchRequest`) to a user, all or nothing. Operations that leave the user as it was
 * (a second identical PATCH, a remove of something absent) write nothing: same version, same `meta.lastModified`,
 * no workflow signal.
 * @returns the user as stored, or null when there is no such user
 * @throws ScimError 400 from `applyUserPatch`, 409 `uniqueness`
 */
export async function patchUser(
  deps: UserWriteDeps,
  companyId: string,
  id: string,
  operations: readonly PatchOperation[],
): Promise<ScimUserRow | null> {
  const written = await writeUser(deps, companyId, id, (current) => applyUserPatch(current ?? {}, operations));
  return written === null ? null : settle(deps, written);
}

/**
 * Deletes a user for SCIM (kept for the company's retention period when it has one) and tells its account workflow.
 * @returns false when there is no such user (a second delete included)
 */
export async function deleteUser(deps: UserWriteDeps, companyId: string, id: string): Promise<boolean> {
  const policies = await deps.policies(companyId);
  const retentionDays = policies.scimDeletedUserRetentionDays ?? null;
  const signals = await deps.db.transaction(async (tx) => {
    const deleted = await deleteScimUser(tx, companyId, id, retentionDays !== null);
    if (!deleted) return null;
    // In the delete's transaction: a kept row's purge timer is set once Temporal has the signal, however late.
    return recordAccountSignals(tx, [
      accountChanged(companyId, deleted.id, AccountChange.Deleted, {
        ...snapshot(deleted, deleted.employeeId),
        // A hard delete does not raise the version; the delete must still win over the last change.
        version: deleted.version + 1,
        active: false,
        retentionDays,
      }),
    ]);
  });
  if (signals === null) return false;
  handOver(deps, signals);
  return true;
}
