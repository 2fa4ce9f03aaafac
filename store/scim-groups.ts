/**
 * SCIM groups and their members. Membership changes are applied as set operations in SQL, so a PATCH that adds or
 * removes a few members of a large group never loads the whole group.
 */
import { and, asc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { ScimFilter } from '../domain/scim/filter';
import type { Page } from '../domain/scim/paging';
import type { Db } from './db';
import { isUniqueViolation } from './pg-errors';
import { scimGroupMembers, scimGroups, scimUsers } from './schema';
import { groupFilterSql } from './scim-filter-sql';
import type { ListPage } from './list-page';
import { listPage } from './list-page';

export type ScimGroupRow = typeof scimGroups.$inferSelect;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Thrown when another group of the company already has the displayName (compared case-insensitively). */
export class ScimGroupNameTakenError extends Error {
  override readonly name = 'ScimGroupNameTakenError';
  constructor(readonly displayName: string) {
    super(`displayName "${displayName}" is already in use`);
  }
}

/** Thrown when a member id is not a user of the company. */
export class ScimUnknownMemberError extends Error {
  override readonly name = 'ScimUnknownMemberError';
  constructor(readonly memberIds: string[]) {
    super(`members ${memberIds.map((id) => `"${id}"`).join(', ')} are not users of this endpoint`);
  }
}

async function uniqueName<T>(displayName: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err, 'scim_groups_company_display_name_key')) throw new ScimGroupNameTakenError(displayName);
    throw err;
  }
}

/**
 * Checks that every id is a user of the company.
 * @throws ScimUnknownMemberError naming the ids that are not
 */
async function assertUsersExist(db: Db, companyId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const malformed = ids.filter((id) => !uuidPattern.test(id));
  if (malformed.length > 0) throw new ScimUnknownMemberError(malformed.slice(0, 5));
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 5000) {
    const chunk = ids.slice(i, i + 5000);
    const rows = await db
      .select({ id: scimUsers.id })
      .from(scimUsers)
      .where(and(eq(scimUsers.companyId, companyId), inArray(scimUsers.id, chunk), isNull(scimUsers.deletedAt)));
    for (const r of rows) found.add(r.id);
  }
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) throw new ScimUnknownMemberError(missing.slice(0, 5));
}

/** Adds members (present ones are left alone). @returns how many were not members before */
async function addMembers(db: Db, groupId: string, ids: readonly string[]): Promise<number> {
  let added = 0;
  for (let i = 0; i < ids.length; i += 5000) {
    const chunk = ids.slice(i, i + 5000);
    const rows = await db
      .insert(scimGroupMembers)
      .values(chunk.map((userId) => ({ groupId, userId })))
      .onConflictDoNothing()
      .returning({ userId: scimGroupMembers.userId });
    added += rows.length;
  }
  return added;
}

/** Removes members (absent ones are ignored). @returns how many were members */
async function removeMembers(db: Db, groupId: string, ids: readonly string[]): Promise<number> {
  const valid = ids.filter((m) => uuidPattern.test(m));
  let removed = 0;
  for (let i = 0; i < valid.length; i += 5000) {
    const rows = await db
      .delete(scimGroupMembers)
      .where(and(eq(scimGroupMembers.groupId, groupId), inArray(scimGroupMembers.userId, valid.slice(i, i + 5000))))
      .returning({ userId: scimGroupMembers.userId });
    removed += rows.length;
  }
  return removed;
}

/** Makes the members exactly `ids`. @returns how many memberships were added or removed */
async function setMembers(db: Db, groupId: string, ids: ReadonlySet<string>): Promise<number> {
  const current = await db
    .select({ userId: scimGroupMembers.userId })
    .from(scimGroupMembers)
    .where(eq(scimGroupMembers.groupId, groupId));
  const currentIds = new Set(current.map((r) => r.userId));
  const gone = [...currentIds].filter((id) => !ids.has(id));
  const added = [...ids].filter((id) => !currentIds.has(id));
  return (await removeMembers(db, groupId, gone)) + (await addMembers(db, groupId, added));
}

/**
 * Stores a new group with its members.
 * @throws ScimGroupNameTakenError, ScimUnknownMemberError
 */
export async function insertScimGroup(
  db: Db,
  companyId: string,
  group: { displayName: string; externalId: string | null; memberIds: string[] },
): Promise<ScimGroupRow> {
  return db.transaction(async (tx) => {
    await assertUsersExist(tx, companyId, group.memberIds);
    const [row] = await uniqueName(group.displayName, () =>
      tx
        .insert(scimGroups)
        .values({ companyId, displayName: group.displayName, externalId: group.externalId })
        .returning(),
    );
    if (!row) throw new Error('the new SCIM group was not returned');
    await addMembers(tx, row.id, group.memberIds);
    return row;
  });
}

export async function getScimGroup(db: Db, companyId: string, id: string): Promise<ScimGroupRow | null> {
  if (!uuidPattern.test(id)) return null;
  const [row] = await db
    .select()
    .from(scimGroups)
    .where(and(eq(scimGroups.companyId, companyId), eq(scimGroups.id, id)));
  return row ?? null;
}

/** The member ids of groups, with each member's display name (displayName, else userName). */
export async function scimGroupMembersOf(
  db: Db,
  groupIds: readonly string[],
): Promise<Map<string, Array<{ id: string; display: string | null }>>> {
  const out = new Map<string, Array<{ id: string; display: string | null }>>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return out;
  const rows = await db
    .select({
      groupId: scimGroupMembers.groupId,
      id: scimGroupMembers.userId,
      display: sql<string | null>`coalesce(${scimUsers.displayName}, ${scimUsers.userName})`,
    })
    .from(scimGroupMembers)
    .innerJoin(scimUsers, eq(scimUsers.id, scimGroupMembers.userId))
    .where(inArray(scimGroupMembers.groupId, [...groupIds]))
    .orderBy(asc(scimGroupMembers.userId));
  for (const r of rows) out.get(r.groupId)?.push({ id: r.id, display: r.display });
  return out;
}

/** What to change in a group (see the domain's `GroupChange`). */
export interface ScimGroupUpdate {
  displayName?: string;
  externalId?: string | null;
  replaceMembers?: ReadonlySet<string>;
  addMembers: ReadonlySet<string>;
  removeMembers: ReadonlySet<string>;
}

/**
 * Applies a change to a group in one transaction: all of it or nothing. A change that changes nothing (same name
 * and externalId, members already in or already out) writes nothing: version and `updatedAt` stay as they were.
 * @returns the group (updated or as it was) and whether anything changed, or null when there is no such group
 * @throws ScimGroupNameTakenError, ScimUnknownMemberError
 */
export async function updateScimGroup(
  db: Db,
  companyId: string,
  id: string,
  change: ScimGroupUpdate,
): Promise<{ row: ScimGroupRow; changed: boolean } | null> {
  if (!uuidPattern.test(id)) return null;
  return db.transaction(async (tx) => {
    const [locked] = await tx
      .select()
      .from(scimGroups)
      .where(and(eq(scimGroups.companyId, companyId), eq(scimGroups.id, id)))
      .for('update');
    if (!locked) return null;
    const added = [...(change.replaceMembers ?? []), ...change.addMembers];
    await assertUsersExist(tx, companyId, [...new Set(added)]);
    let memberships = 0;
    if (change.replaceMembers) {
      // Added and removed ids are disjoint (see the domain's GroupChange), so the final set is known up front.
      const final = new Set([...change.replaceMembers, ...change.addMembers]);
      for (const removed of change.removeMembers) final.delete(removed);
      memberships = await setMembers(tx, id, final);
    } else {
      memberships += await addMembers(tx, id, [...change.addMembers]);
      memberships += await removeMembers(tx, id, [...change.removeMembers]);
    }
    const displayName = change.displayName ?? locked.displayName;
    const externalId = change.externalId === undefined ? locked.externalId : change.externalId;
    if (memberships === 0 && displayName === locked.displayName && externalId === locked.externalId) {
      return { row: locked, changed: false };
    }
    const [row] = await uniqueName(displayName, () =>
      tx
        .update(scimGroups)
        .set({ displayName, externalId, version: sql`${scimGroups.version} + 1`, updatedAt: sql`now()` })
        .where(eq(scimGroups.id, id))
        .returning(),
    );
    if (!row) throw new Error('the locked SCIM group was not updated');
    return { row, changed: true };
  });
}

/** Deletes the group and its memberships. @returns true when it existed */
export async function deleteScimGroup(db: Db, companyId: string, id: string): Promise<boolean> {
  if (!uuidPattern.test(id)) return false;
  const rows = await db
    .delete(scimGroups)
    .where(and(eq(scimGroups.companyId, companyId), eq(scimGroups.id, id)))
    .returning({ id: scimGroups.id });
  return rows.length > 0;
}

/** Lists the company's groups matching the filter, oldest first, one 1-based page ({@link listPage}). */
export async function listScimGroups(
  db: Db,
  companyId: string,
  filter: ScimFilter | undefined,
  page: Page,
): Promise<ListPage<ScimGroupRow>> {
  const where: SQL = filter
    ? and(eq(scimGroups.companyId, companyId), groupFilterSql(filter))!
    : eq(scimGroups.companyId, companyId);
  return listPage(db, scimGroups, where, page);
}
