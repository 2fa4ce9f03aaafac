/**
 * SCIM users written by Entra's provisioning service. The SCIM data is one jsonb document; the attributes Entra
 * matches and filters by are columns derived from it on every write (see `userKeys`).
 */
import { and, asc, eq, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { ResourceData } from '../domain/scim/coerce';
import type { ScimFilter } from '../domain/scim/filter';
import type { Page } from '../domain/scim/paging';
import type { UserKeys } from '../domain/scim/user';
import type { Db } from './db';
import type { ListPage } from './list-page';
import { listPage } from './list-page';
import { isUniqueViolation } from './pg-errors';
import { scimGroupMembers, scimUsers } from './schema';
import { userFilterSql } from './scim-filter-sql';

export type ScimUserRow = typeof scimUsers.$inferSelect;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The company's user with this id, unless deleted (deleted users kept for retention are invisible to SCIM). */
function liveUser(companyId: string, id: string): SQL {
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

/**
 * Stores a new SCIM user.
 * @throws ScimUserNameTakenError when the userName is taken in the company
 */
export async function insertScimUser(
  db: Db,
  companyId: string,
  data: ResourceData,
  keys: UserKeys,
): Promise<ScimUserRow> {
  const [row] = await uniqueUserName(keys, () =>
    db
      .insert(scimUsers)
      .values({ companyId, resource: data, ...columns(keys) })
      .returning(),
  );
  if (!row) throw new Error('the new SCIM user was not returned');
  return row;
}

/** The user, or null when the company has no user with this id (ids that are not uuids included). */
export async function getScimUser(db: Db, companyId: string, id: string): Promise<ScimUserRow | null> {
  if (!uuidPattern.test(id)) return null;
  const [row] = await db.select().from(scimUsers).where(liveUser(companyId, id));
  return row ?? null;
}

/** Like {@link getScimUser}, and locks the row until the caller's transaction ends (for read-modify-write). */
export async function lockScimUser(tx: Db, companyId: string, id: string): Promise<ScimUserRow | null> {
  if (!uuidPattern.test(id)) return null;
  const [row] = await tx.select().from(scimUsers).where(liveUser(companyId, id)).for('update');
  return row ?? null;
}

/**
 * Replaces the user's data and derived columns and raises its version. The caller skips the call when nothing
 * changed, so a no-op leaves version and `updatedAt` as they were.
 * @returns the updated row, or null when there is no such user
 * @throws ScimUserNameTakenError when the new userName is taken by another user
 */
export async function updateScimUser(
  db: Db,
  companyId: string,
  id: string,
  data: ResourceData,
  keys: UserKeys,
): Promise<ScimUserRow | null> {
  if (!uuidPattern.test(id)) return null;
  const [row] = await uniqueUserName(keys, () =>
    db
      .update(scimUsers)
      .set({ resource: data, ...columns(keys), version: sql`${scimUsers.version} + 1`, updatedAt: sql`now()` })
      .where(liveUser(companyId, id))
      .returning(),
  );
  return row ?? null;
}

/** Records which HR employee the account belongs to (null unlinks). */
export async function setScimUserEmployee(
  db: Db,
  companyId: string,
  id: string,
  employeeId: string | null,
): Promise<void> {
  await db.update(scimUsers).set({ employeeId }).where(liveUser(companyId, id));
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
