/**
 * The SCIM group writes (create, replace, patch, delete) as use cases: the routes parse the request, call one of
 * these and answer. Each write is one transaction; one that changes nothing writes nothing.
 */
import { ScimError, ScimType } from '../../domain/scim/errors';
import type { GroupInput } from '../../domain/scim/group';
import type { GroupChange } from '../../domain/scim/group-patch';
import type { Db } from '../../store/db';
import {
  deleteScimGroup,
  insertScimGroup,
  ScimGroupNameTakenError,
  ScimUnknownMemberError,
  updateScimGroup,
  type ScimGroupRow,
} from '../../store/scim-groups';

async function translateStoreErrors<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof ScimGroupNameTakenError) throw ScimError.conflict(err.message);
    if (err instanceof ScimUnknownMemberError) throw ScimError.badRequest(ScimType.invalidValue, err.message);
    throw err;
  }
}

/**
 * Creates a group with its members (`finaliseGroup`'s output).
 * @throws ScimError 409 `uniqueness` for a taken displayName, 400 `invalidValue` for a member that is not a user
 */
export function createGroup(db: Db, companyId: string, group: GroupInput): Promise<ScimGroupRow> {
  return translateStoreErrors(() => insertScimGroup(db, companyId, group));
}

/**
 * Replaces a group's name, externalId and members (PUT). Idempotent: the same group again writes nothing.
 * @returns the group as stored, or null when there is no such group
 * @throws ScimError 409 `uniqueness`, 400 `invalidValue`
 */
export async function replaceGroup(
  db: Db,
  companyId: string,
  id: string,
  group: GroupInput,
): Promise<ScimGroupRow | null> {
  const updated = await translateStoreErrors(() =>
    updateScimGroup(db, companyId, id, {
      displayName: group.displayName,
      externalId: group.externalId,
      replaceMembers: new Set(group.memberIds),
      addMembers: new Set(),
      removeMembers: new Set(),
    }),
  );
  return updated?.row ?? null;
}

/**
 * Applies a folded PATCH (`foldGroupPatch`) to a group, all or nothing. Adding members already in, removing members
 * already out or renaming to the same name writes nothing (same version, same `meta.lastModified`).
 * @returns the group as stored, or null when there is no such group
 * @throws ScimError 400 `invalidValue` (an empty displayName, a member that is not a user), 409 `uniqueness`
 */
export async function patchGroup(
  db: Db,
  companyId: string,
  id: string,
  change: GroupChange,
): Promise<ScimGroupRow | null> {
  if (change.displayName !== undefined && change.displayName.trim() === '') {
    throw ScimError.badRequest(ScimType.invalidValue, 'attribute "displayName" is required');
  }
  const updated = await translateStoreErrors(() => updateScimGroup(db, companyId, id, change));
  return updated?.row ?? null;
}

/** Deletes a group and its memberships. @returns false when there is no such group */
export function deleteGroup(db: Db, companyId: string, id: string): Promise<boolean> {
  return deleteScimGroup(db, companyId, id);
}
