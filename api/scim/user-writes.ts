/**
 * The SCIM user writes (create, replace, patch, delete) as use cases: the routes parse the request, call one of
 * these and answer with what it returns. Each write is atomic: the data, derived columns and employee link, and the
 * signals it owes the workflows, in the outbox; usually one statement, read and decided before it, and a transaction
 * only when the row changed in between or an Entra object id goes to the employee. After the commit the signals are
 * handed to the relay, which delivers them, and the request answers without waiting for Temporal. A write that
 * changes nothing writes nothing and signals nothing.
 */
import { randomUUID } from 'node:crypto';
import { sameResourceData, type ResourceData } from '../../domain/scim/coerce';
import { ScimError } from '../../domain/scim/errors';
import type { PatchOperation } from '../../domain/scim/patch-request';
import { userKeys, type UserKeys, type UserRules } from '../../domain/scim/user';
import { applyUserPatch } from '../../domain/scim/user-patch';
import { recordAccountSignals, type StoredAccountSignal } from '../../store/account-signals';
import type { Db } from '../../store/db';
import {
  deleteScimUser,
  readScimUserForWrite,
  ScimUserNameTakenError,
  writeScimUser,
  type ScimUserRow,
} from '../../store/scim-users';
import { AccountChange } from '../../workflows/account-definitions';
import { accountChanged, entraObjectLinked, type AccountSnapshot } from '../../orchestration/account-events';
import { userRules, type ScimDeps } from './context';
import { entraObjectIdToHandOff, findEmployeeToLink, handOffEntraObjectId, linkAddresses } from './employee-link';

/** What the user writes need. */
export type UserWriteDeps = Pick<ScimDeps, 'db' | 'logger' | 'signals' | 'policies'>;

interface Written {
  after: ScimUserRow;
  signals: StoredAccountSignal[];
}

type Outcome = Written | { unchanged: ScimUserRow } | null;

/** An attempt that read the row without a lock cannot finish: the write is done again holding the row. */
const holdTheRow = Symbol('hold the row');

function snapshot(row: ScimUserRow, employeeId: string | null): AccountSnapshot {
  return { version: row.version, userName: row.userName, active: row.active, externalId: row.externalId, employeeId };
}

function changeOf(before: ScimUserRow | undefined, active: boolean): AccountChange {
  if (!before) return AccountChange.Created;
  if (before.active && !active) return AccountChange.Deactivated;
  if (!before.active && active) return AccountChange.Reactivated;
  return AccountChange.Updated;
}

/** A write decided: the user's new data and columns and its employee, before anything is written. */
interface Decision {
  companyId: string;
  id: string;
  before: ScimUserRow | undefined;
  data: ResourceData;
  keys: UserKeys;
  employeeId: string | null;
  /** Addresses no employee may have for the write to happen (an unlinked user left unlinked without a look-up). */
  unlessEmployeeHas: readonly string[];
  /** The Entra object id to hand to the employee, in the write's transaction. */
  handOff: string | null;
}

/**
 * Writes the decided user with the signal it owes its account workflow in one statement, and, with a handoff
 * (inside the caller's transaction), stores the Entra object id on the employee and records its workflow's signal.
 * @returns the outcome, or {@link holdTheRow} when the row was not as read (changed since, or an employee took one
 *   of the addresses it was left unlinked by)
 */
async function commit(deps: UserWriteDeps, db: Db, decision: Decision): Promise<Written | typeof holdTheRow> {
  const { companyId, id, before, keys, employeeId, handOff } = decision;
  const handedOff =
    handOff !== null &&
    employeeId !== null &&
    (await handOffEntraObjectId(db, companyId, id, employeeId, handOff, deps.logger));
  const version = (before?.version ?? 0) + 1;
  const account: AccountSnapshot = {
    version,
    userName: keys.userName,
    active: keys.active,
    externalId: keys.externalId,
    employeeId,
  };
  const signal = accountChanged(companyId, id, changeOf(before, keys.active), account);
  const written = await writeScimUser(db, {
    companyId,
    id,
    basedOn: before?.version ?? null,
    data: decision.data,
    keys,
    employeeId,
    unlessEmployeeHas: decision.unlessEmployeeHas,
    signal,
  });
  if (written === null) return holdTheRow;
  const signals: StoredAccountSignal[] = [{ ...signal, id: written.signalId }];
  if (handedOff) {
    signals.push(
      ...(await recordAccountSignals(db, [
        entraObjectLinked(companyId, employeeId, { entraObjectId: handOff, scimUserId: id, userName: keys.userName }),
      ])),
    );
  }
  return { after: written.row, signals };
}

/**
 * Creates a user: its employee is looked up first, then one statement writes it and its signal (a transaction
 * only when its Entra object id goes to its employee).
 */
async function create(deps: UserWriteDeps, companyId: string, data: ResourceData, rules: UserRules): Promise<Written> {
  // Drawn here rather than by the database, so that the signal and the log lines can name the user before it is written.
  const id = randomUUID();
  const keys = userKeys(data, rules);
  const addresses = linkAddresses(keys.userName, keys.linkEmail);
  const employee = await findEmployeeToLink(deps.db, companyId, id, addresses, deps.logger);
  const handOff = entraObjectIdToHandOff(companyId, id, employee, keys.externalId, deps.logger);
  const decision: Decision = {
    companyId,
    id,
    before: undefined,
    data,
    keys,
    employeeId: employee?.id ?? null,
    unlessEmployeeHas: [],
    handOff,
  };
  const written =
    handOff === null
      ? await commit(deps, deps.db, decision)
      : await deps.db.transaction((tx) => commit(deps, tx, decision));
  if (written === holdTheRow) throw new Error('a new user is always written');
  return written;
}

/**
 * Updates a user from its stored data (`nextData`). Unlocked (`tx` undefined), it reads the row, decides, and
 * writes in one statement only if the row is still as read; an unlinked user is left unlinked unless an employee has
 * one of its addresses, which the statement checks instead of a look-up first (an unlinked user had no employee at its
 * last write, and rarely has one at the next). Holding the row (`tx`), it looks the employee up and may hand off.
 * @returns the outcome, or {@link holdTheRow} when the unlocked attempt cannot finish
 */
async function update(
  deps: UserWriteDeps,
  companyId: string,
  id: string,
  nextData: (current: ResourceData) => ResourceData,
  rules: UserRules,
  tx?: Db,
): Promise<Outcome | typeof holdTheRow> {
  const db = tx ?? deps.db;
  const stored = await readScimUserForWrite(db, companyId, id, { lock: tx !== undefined });
  if (stored === null) return null;
  const before = stored.row;
  const data = nextData(before.resource);
  if (sameResourceData(data, before.resource)) return { unchanged: before };
  const keys = userKeys(data, rules);
  let employeeId = before.employeeId;
  let employee = stored.employee;
  let unlessEmployeeHas: readonly string[] = [];
  if (employeeId === null) {
    const addresses = linkAddresses(keys.userName, keys.linkEmail);
    if (tx === undefined) {
      unlessEmployeeHas = addresses;
    } else {
      employee = await findEmployeeToLink(tx, companyId, id, addresses, deps.logger);
      employeeId = employee?.id ?? null;
    }
  }
  const handOff = entraObjectIdToHandOff(companyId, id, employee, keys.externalId, deps.logger);
  if (handOff !== null && tx === undefined) return holdTheRow;
  return commit(deps, db, { companyId, id, before, data, keys, employeeId, unlessEmployeeHas, handOff });
}

/**
 * Writes a user's new data (a create when `id` is undefined) with its derived columns, links it to its employee and
 * records the signals it owes the workflows, atomically. When the new data equals the stored data nothing is written.
 * No transaction is held while the write is decided: an update reads the row and writes it in one statement if no
 * other write came in between, and only otherwise does it again in a transaction that holds the row.
 * @returns the outcome, `unchanged` with the stored row for a no-op, or null when there is no user `id`
 * @throws ScimError 409 `uniqueness` when the userName is taken
 */
async function writeUser(
  deps: UserWriteDeps,
  companyId: string,
  id: string | undefined,
  nextData: (current: ResourceData | undefined) => ResourceData,
): Promise<Outcome> {
  const rules = userRules(await deps.policies(companyId));
  try {
    if (id === undefined) return await create(deps, companyId, nextData(undefined), rules);
    const unlocked = await update(deps, companyId, id, nextData, rules);
    if (unlocked !== holdTheRow) return unlocked;
    return await deps.db.transaction(async (tx) => {
      const locked = await update(deps, companyId, id, nextData, rules, tx);
      if (locked === holdTheRow) throw new Error('a write that holds the row cannot be overtaken');
      return locked;
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
