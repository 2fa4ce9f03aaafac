/**
 * SCIM users written by Entra's provisioning service. The SCIM data is one jsonb document; the attributes Entra
 * matches and filters by are columns derived from it on every write (see `userKeys`).
 */
import {
  and,
  asc,
  eq,
  getTableColumns,
  inArray,
  isNotNull,
  isNull,
  sql,
  type Placeholder,
  type SQL,
} from 'drizzle-orm';
import type { ResourceData } from '../domain/scim/coerce';
import type { ScimFilter } from '../domain/scim/filter';
import type { Page } from '../domain/scim/paging';
import type { UserKeys } from '../domain/scim/user';
import type { AccountSignal } from './account-signals';
import type { Db } from './db';
import type { ListPage } from './list-page';
import { listPage } from './list-page';
import { isUniqueViolation } from './pg-errors';
import { accountSignals, employees, scimGroupMembers, scimUsers } from './schema';
import { userFilterSql } from './scim-filter-sql';

export type ScimUserRow = typeof scimUsers.$inferSelect;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The company's user with this id, unless deleted (deleted users kept for retention are invisible to SCIM). */
function liveUser(companyId: string | Placeholder, id: string | Placeholder): SQL {
  return and(eq(scimUsers.companyId, companyId), eq(scimUsers.id, id), isNull(scimUsers.deletedAt))!;
}

/** The company's users that are not deleted. */
function liveUsers(companyId: string): SQL {
  return and(eq(scimUsers.companyId, companyId), isNull(scimUsers.deletedAt))!;
}

/** Thrown when another user of the company already has the userName (compared case-insensitively). */
export class ScimUserNameTakenError extends Error {
  override readonly name = 'ScimUserNameTakenError';
  constructor(readonly userName: string) {
    super(`userName "${userName}" is already in use`);
  }
}

function columns(keys: UserKeys) {
  return {
    userName: keys.userName,
    externalId: keys.externalId,
    active: keys.active,
    displayName: keys.displayName,
    workEmail: keys.workEmail,
    phoneNumbersE164: keys.phoneNumbers,
    phoneNumbersUnparsable: keys.phoneNumbersUnparsable,
  };
}

async function uniqueUserName<T>(keys: UserKeys, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err, 'scim_users_company_user_name_key')) throw new ScimUserNameTakenError(keys.userName);
    throw err;
  }
}

/** The user, or null when the company has no user with this id (ids that are not uuids included). */
export async function getScimUser(db: Db, companyId: string, id: string): Promise<ScimUserRow | null> {
  if (!uuidPattern.test(id)) return null;
  const [row] = await db.select().from(scimUsers).where(liveUser(companyId, id));
  return row ?? null;
}

/** A stored user as a write reads it: the row, and the employee it is linked to (for the Entra object id handoff). */
export interface ScimUserForWrite {
  row: ScimUserRow;
  /** Null when the user is unlinked, or its employee row is gone. */
  employee: { id: string; entraObjectId: string | null } | null;
}

function selectForWrite(db: Db) {
  return db
    .select({ row: scimUsers, employee: { id: employees.id, entraObjectId: employees.entraObjectId } })
    .from(scimUsers)
    .leftJoin(employees, and(eq(employees.companyId, scimUsers.companyId), eq(employees.id, scimUsers.employeeId)));
}

/** Each database's prepared {@link readScimUserForWrite} without a lock (built once per process). */
const readForWriteStatements = new WeakMap<Db, ReturnType<typeof prepareReadForWrite>>();

function prepareReadForWrite(db: Db) {
  return selectForWrite(db)
    .where(liveUser(sql.placeholder('companyId'), sql.placeholder('id')))
    .prepare('scim_user_for_write');
}

/**
 * The user and its linked employee in one statement, or null when the company has no such live user. With `lock`
 * the user's row stays locked until the caller's transaction ends.
 */
export async function readScimUserForWrite(
  db: Db,
  companyId: string,
  id: string,
  options: { lock: boolean },
): Promise<ScimUserForWrite | null> {
  if (!uuidPattern.test(id)) return null;
  let rows: ScimUserForWrite[];
  if (options.lock) {
    rows = await selectForWrite(db).where(liveUser(companyId, id)).for('update', { of: scimUsers });
  } else {
    let statement = readForWriteStatements.get(db);
    if (statement === undefined) {
      statement = prepareReadForWrite(db);
      readForWriteStatements.set(db, statement);
    }
    rows = await statement.execute({ companyId, id });
  }
  return rows[0] ?? null;
}

/** One write of a user: its new data and columns, its employee, and the signal it owes the account workflow. */
export interface ScimUserWrite {
  companyId: string;
  /** The user's id; a new user gets it (the caller draws it, so that the signal and the log can name it). */
  id: string;
  /**
   * The stored version the write is based on: the write happens only if the row still has it, and raises it by one.
   * Null inserts a new user, at version 1.
   */
  basedOn: number | null;
  data: ResourceData;
  keys: UserKeys;
  employeeId: string | null;
  /**
   * Work emails no employee of the company may have (compared case-insensitively) for the write to happen: set when
   * the caller leaves the user unlinked without having looked the addresses up.
   */
  unlessEmployeeHas: readonly string[];
  /** Inserted into the outbox in the same statement, only if the user was written. */
  signal: AccountSignal;
}

const placeholder = (name: keyof ScimUserWriteParams) => sql.placeholder(name);
/** A parameter where the query builder's types want a value. */
const value = <T>(name: keyof ScimUserWriteParams) => placeholder(name) as unknown as T;

/** The parameters of the prepared write statements (jsonb values as objects: drizzle encodes them by column). */
type ScimUserWriteParams = {
  companyId: string;
  id: string;
  basedOn: number | null;
  resource: ResourceData;
  userName: string;
  externalId: string | null;
  active: boolean;
  displayName: string | null;
  workEmail: string | null;
  phoneNumbersE164: UserKeys['phoneNumbers'];
  phoneNumbersUnparsable: boolean;
  employeeId: string | null;
  address1: string | null;
  address2: string | null;
  signalKind: string;
  signalEmployeeId: string | null;
  signalPayload: string;
};

function writeParams(write: ScimUserWrite): ScimUserWriteParams {
  if (write.unlessEmployeeHas.length > 2) throw new Error('at most two addresses keep a user unlinked');
  return {
    companyId: write.companyId,
    id: write.id,
    basedOn: write.basedOn,
    resource: write.data,
    ...columns(write.keys),
    employeeId: write.employeeId,
    address1: write.unlessEmployeeHas[0] ?? null,
    address2: write.unlessEmployeeHas[1] ?? null,
    signalKind: write.signal.kind,
    signalEmployeeId: write.signal.employeeId,
    signalPayload: JSON.stringify(write.signal.payload),
  };
}

/** The columns a write sets from its parameters (the derived ones as `columns` lists them). */
function writtenColumns() {
  return {
    resource: value<ResourceData>('resource'),
    userName: value<string>('userName'),
    externalId: value<string | null>('externalId'),
    active: value<boolean>('active'),
    displayName: value<string | null>('displayName'),
    workEmail: value<string | null>('workEmail'),
    phoneNumbersE164: value<UserKeys['phoneNumbers']>('phoneNumbersE164'),
    phoneNumbersUnparsable: value<boolean>('phoneNumbersUnparsable'),
    employeeId: value<string | null>('employeeId'),
  } satisfies Partial<typeof scimUsers.$inferInsert>;
}

/**
 * The write as one statement: the insert or update of the user (a CTE returning the row) and the insert of its
 * signal from that row, so that the signal exists exactly when the write happened, without a transaction around two
 * statements. The update happens only if the row has the version it is based on and no employee has one of the
 * addresses that were to leave it unlinked.
 */
function prepareWrite(db: Db, kind: 'insert' | 'update') {
  const written = db.$with('written', getTableColumns(scimUsers)).as(
    kind === 'insert'
      ? db
          .insert(scimUsers)
          .values({ id: value<string>('id'), companyId: value<string>('companyId'), ...writtenColumns() })
          .returning()
          .getSQL()
      : db
          .update(scimUsers)
          .set({ ...writtenColumns(), version: sql`${scimUsers.version} + 1`, updatedAt: sql`now()` })
          .where(
            and(
              liveUser(placeholder('companyId'), placeholder('id')),
              eq(scimUsers.version, placeholder('basedOn')),
              sql`not exists (select from ${employees} where ${employees.companyId} = ${scimUsers.companyId}
                and lower(${employees.workEmail}) in (lower(${placeholder('address1')}), lower(${placeholder('address2')})))`,
            ),
          )
          .returning()
          .getSQL(),
  );
  const signal = db.$with('signal', { id: accountSignals.id }).as(
    sql`insert into ${accountSignals} (company_id, kind, scim_user_id, employee_id, payload)
      select ${written.companyId}, ${placeholder('signalKind')}, ${written.id}, ${placeholder('signalEmployeeId')},
        ${placeholder('signalPayload')}::jsonb
      from ${written} returning id`,
  );
  // The row's columns as the CTE returns them (drizzle decodes each as its column of scim_users).
  const fields = Object.fromEntries(
    Object.keys(getTableColumns(scimUsers)).map((key) => [key, (written as unknown as Record<string, unknown>)[key]]),
  ) as typeof written._.selectedFields;
  return db
    .with(written, signal)
    .select({ row: fields, signalId: sql`(select ${signal.id} from ${signal})`.mapWith(Number) })
    .from(written)
    .prepare(kind === 'insert' ? 'scim_user_insert' : 'scim_user_update');
}

/** Each database's prepared write statements (built once per process). */
const writeStatements = new WeakMap<Db, Record<'insert' | 'update', ReturnType<typeof prepareWrite>>>();

/**
 * Inserts or updates a user with its derived columns and records its signal in the outbox, in one statement.
 * @returns the row as stored and the signal's outbox id, or null when nothing was written: no live user with the id
 *   and version the write is based on, or an employee has one of `unlessEmployeeHas`
 * @throws ScimUserNameTakenError when the userName is taken in the company
 */
export async function writeScimUser(
  db: Db,
  write: ScimUserWrite,
): Promise<{ row: ScimUserRow; signalId: number } | null> {
  if (!uuidPattern.test(write.id)) return null;
  let statements = writeStatements.get(db);
  if (statements === undefined) {
    statements = { insert: prepareWrite(db, 'insert'), update: prepareWrite(db, 'update') };
    writeStatements.set(db, statements);
  }
  const statement = write.basedOn === null ? statements.insert : statements.update;
  const [result] = await uniqueUserName(write.keys, () => statement.execute(writeParams(write)));
  return result ?? null;
}

/**
 * Deletes the user for SCIM: with `keepUntilPurged` the row is only marked deleted (invisible to SCIM, its userName
 * free again) and its group memberships are removed, so that the account workflow can purge it after the company's
 * retention period; otherwise the row goes at once. Idempotent per call: a second delete finds nothing.
 * @returns the deleted row, or null when there was no live user with this id
 */
export async function deleteScimUser(
  db: Db,
  companyId: string,
  id: string,
  keepUntilPurged: boolean,
): Promise<ScimUserRow | null> {
  if (!uuidPattern.test(id)) return null;
  if (!keepUntilPurged) {
    const [row] = await db.delete(scimUsers).where(liveUser(companyId, id)).returning();
    return row ?? null;
  }
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(scimUsers)
      .set({ deletedAt: sql`now()`, version: sql`${scimUsers.version} + 1`, updatedAt: sql`now()` })
      .where(liveUser(companyId, id))
      .returning();
    if (row) await tx.delete(scimGroupMembers).where(eq(scimGroupMembers.userId, id));
    return row ?? null;
  });
}

/**
 * Removes a user that was marked deleted (the retention timer of the account workflow). Idempotent; a live user
 * (deleted and re-created under another id, or never deleted) is left alone.
 * @returns true when a row was removed
 */
export async function purgeDeletedScimUser(db: Db, companyId: string, id: string): Promise<boolean> {
  if (!uuidPattern.test(id)) return false;
  const rows = await db
    .delete(scimUsers)
    .where(and(eq(scimUsers.companyId, companyId), eq(scimUsers.id, id), isNotNull(scimUsers.deletedAt)))
    .returning({ id: scimUsers.id });
  return rows.length > 0;
}

/** The userName of a filter that is exactly `userName eq "…"`, else undefined. */
function userNameEquality(filter: ScimFilter): string | undefined {
  if (filter.op !== 'eq' || !('target' in filter) || typeof filter.value !== 'string') return undefined;
  const { target } = filter;
  return target.name === 'userName' && target.extension === undefined && target.sub === undefined
    ? filter.value
    : undefined;
}

/** Each database's prepared lookup of a live user by userName (see {@link listScimUsers}). */
const byUserNameStatements = new WeakMap<Db, ReturnType<typeof prepareByUserName>>();

function prepareByUserName(db: Db) {
  return db
    .select()
    .from(scimUsers)
    .where(
      and(
        eq(scimUsers.companyId, sql.placeholder('companyId')),
        sql`lower(${scimUsers.userName}) = ${sql.placeholder('userName')}`,
        isNull(scimUsers.deletedAt),
      ),
    )
    .prepare('scim_user_by_user_name');
}

/**
 * Lists the company's users matching the filter, oldest first, one 1-based page ({@link listPage}). `userName eq`,
 * which Entra sends to match every account before it writes, is one prepared statement (built once per process,
 * planned once per connection): userName is unique among live users, so its first page is the whole answer.
 * @throws ScimError 400 `invalidFilter` when the filter cannot be answered
 */
export async function listScimUsers(
  db: Db,
  companyId: string,
  filter: ScimFilter | undefined,
  page: Page,
): Promise<ListPage<ScimUserRow>> {
  const userName = filter === undefined ? undefined : userNameEquality(filter);
  if (userName !== undefined && page.startIndex === 1 && page.count > 0) {
    let statement = byUserNameStatements.get(db);
    if (statement === undefined) {
      statement = prepareByUserName(db);
      byUserNameStatements.set(db, statement);
    }
    // Lowered like every case-insensitive filter comparison (store/scim-filter-sql.ts).
    const rows = await statement.execute({ companyId, userName: userName.toLowerCase() });
    return { totalResults: rows.length, rows };
  }
  const where: SQL = filter ? and(liveUsers(companyId), userFilterSql(filter))! : liveUsers(companyId);
  return listPage(db, scimUsers, where, page);
}

/** Display names of users by id, for group member `display` values. Unknown ids are absent from the map. */
export async function scimUserDisplayNames(
  db: Db,
  companyId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const valid = ids.filter((id) => uuidPattern.test(id));
  if (valid.length === 0) return new Map();
  const rows = await db
    .select({ id: scimUsers.id, displayName: scimUsers.displayName, userName: scimUsers.userName })
    .from(scimUsers)
    .where(and(liveUsers(companyId), inArray(scimUsers.id, valid)));
  return new Map(rows.map((r) => [r.id, r.displayName ?? r.userName]));
}

/** A SCIM user as HR-side code and the console read it: phone numbers in E.164, the unparsable ones flagged. */
export interface ScimAccount {
  id: string;
  userName: string;
  displayName: string | null;
  externalId: string | null;
  active: boolean;
  employeeId: string | null;
  /** Type and E.164 form of each phone number, null where the number as sent cannot be parsed. */
  phoneNumbers: ScimUserRow['phoneNumbersE164'];
  /** True when a phone number cannot be parsed; the number as sent is in the SCIM resource. */
  phoneNumbersUnparsable: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The company's live SCIM users for HR-side use (the console's account list), oldest first; `flaggedOnly` keeps the
 * ones with an unparsable phone number. Reads the derived columns, never the SCIM resource.
 */
export async function listScimAccounts(
  db: Db,
  companyId: string,
  options: { limit: number; offset?: number; flaggedOnly?: boolean },
): Promise<ScimAccount[]> {
  const where = options.flaggedOnly
    ? and(liveUsers(companyId), eq(scimUsers.phoneNumbersUnparsable, true))
    : liveUsers(companyId);
  return db
    .select({
      id: scimUsers.id,
      userName: scimUsers.userName,
      displayName: scimUsers.displayName,
      externalId: scimUsers.externalId,
      active: scimUsers.active,
      employeeId: scimUsers.employeeId,
      phoneNumbers: scimUsers.phoneNumbersE164,
      phoneNumbersUnparsable: scimUsers.phoneNumbersUnparsable,
      createdAt: scimUsers.createdAt,
      updatedAt: scimUsers.updatedAt,
    })
    .from(scimUsers)
    .where(where)
    .orderBy(asc(scimUsers.createdAt), asc(scimUsers.id))
    .limit(options.limit)
    .offset(options.offset ?? 0);
}
