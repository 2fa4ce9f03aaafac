import { ScimUrn } from './constants';
import { coerceResourceData } from './coerce';
import { ScimError, ScimType } from './errors';
import type { StoredResourceMeta } from './resource-meta';
import { resourceMeta } from './resource-meta';

/** A group's stored attributes split into its own data and its member ids (kept in their own table). */
export interface GroupInput {
  displayName: string;
  externalId: string | null;
  memberIds: string[];
}

const invalidValue = (detail: string) => ScimError.badRequest(ScimType.invalidValue, detail);

/**
 * Validates a group after a create or replace: displayName present (kept exactly as sent), members reduced to
 * distinct ids (member `display`, `$ref` and `type` are derived on read). Pure.
 * @throws ScimError 400 `invalidValue` naming the attribute
 */
export function finaliseGroup(candidate: unknown): GroupInput {
  const data = coerceResourceData('Group', candidate);
  const displayName = typeof data.displayName === 'string' ? data.displayName : '';
  if (displayName.trim() === '') throw invalidValue('attribute "displayName" is required');
  const members = (data.members as Array<{ value?: unknown }> | undefined) ?? [];
  const ids = new Set<string>();
  for (const m of members) {
    if (typeof m.value !== 'string' || m.value.trim() === '')
      throw invalidValue('attribute "members.value" is required');
    ids.add(m.value.trim());
  }
  return {
    displayName,
    // Kept as sent, "" included, as a PATCH keeps it: the client reads back what it wrote.
    externalId: typeof data.externalId === 'string' ? data.externalId : null,
    memberIds: [...ids],
  };
}

/** One member as answered: the user id, its URI and a display name when known. */
export interface GroupMemberView {
  id: string;
  display: string | null;
}

/** The SCIM representation of a stored group; `members` undefined means they were not loaded (excluded). Pure. */
export function groupResource(
  group: { displayName: string; externalId: string | null },
  members: readonly GroupMemberView[] | undefined,
  meta: StoredResourceMeta,
  baseUrl: string,
): Record<string, unknown> {
  return {
    schemas: [ScimUrn.Group],
    id: meta.id,
    ...(group.externalId === null ? {} : { externalId: group.externalId }),
    displayName: group.displayName,
    ...(members === undefined
      ? {}
      : {
          members: members.map((m) => ({
            value: m.id,
            $ref: `${baseUrl}/Users/${m.id}`,
            type: 'User',
            ...(m.display === null ? {} : { display: m.display }),
          })),
        }),
    meta: resourceMeta('Group', meta, baseUrl),
  };
}
