import { parse, type Filter as ParsedFilter } from 'scim2-parse-filter';
import { unstorableTextReason } from '../storable-text';
import { ScimError, ScimType } from './errors';
import { memberIdsOf, splitPath, type PatchOperation } from './patch-request';
import { isExtensionRoot, isForeignSchemaPath, resolveAttributePath, type ResolvedAttribute } from './paths';

/**
 * The net effect of a group PATCH: new scalar values and member changes as sets, so large groups are changed in
 * the database without loading every member. Applied in order: an add followed by a remove of the same member
 * nets to a removal (nothing, if it was not a member), and a full replacement starts over.
 */
export interface GroupChange {
  displayName?: string;
  /** null clears the externalId. */
  externalId?: string | null;
  /** When set, the members become exactly these (before `add` / `remove`). */
  replaceMembers?: Set<string>;
  addMembers: Set<string>;
  removeMembers: Set<string>;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const invalidPath = (detail: string) => ScimError.badRequest(ScimType.invalidPath, detail);

function addMembers(change: GroupChange, ids: string[]): void {
  for (const id of ids) {
    change.removeMembers.delete(id);
    change.addMembers.add(id);
  }
}

function removeMembers(change: GroupChange, ids: string[]): void {
  for (const id of ids) {
    change.addMembers.delete(id);
    change.removeMembers.add(id);
  }
}

function replaceAllMembers(change: GroupChange, ids: string[]): void {
  change.replaceMembers = new Set(ids);
  change.addMembers.clear();
  change.removeMembers.clear();
}

/** Member ids selected by `members[value eq "a" or value eq "b"]`; only equality on value can select by id. */
function idsSelectedBy(filterText: string, path: string): string[] {
  let f: ParsedFilter;
  try {
    f = parse(filterText);
  } catch {
    throw invalidPath(`path "${path}" has a filter that cannot be parsed`);
  }
  const ids: string[] = [];
  const walk = (node: ParsedFilter): void => {
    if (node.op === 'or') return (node as { filters: ParsedFilter[] }).filters.forEach(walk);
    const leaf = node as { op: string; attrPath?: string; compValue?: unknown };
    if (leaf.op !== 'eq' || leaf.attrPath?.toLowerCase() !== 'value' || typeof leaf.compValue !== 'string') {
      throw invalidPath(`path "${path}" must select members by value eq "id"`);
    }
    ids.push(leaf.compValue);
  };
  walk(f);
  return ids;
}

function scalar(value: unknown, name: string): string {
  if (typeof value !== 'string')
    throw ScimError.badRequest(ScimType.invalidValue, `attribute "${name}" must be a string`);
  const unstorable = unstorableTextReason(value);
  if (unstorable !== undefined) throw ScimError.badRequest(ScimType.invalidValue, `attribute "${name}" ${unstorable}`);
  return value;
}

/**
 * Resolves a PATCH path or no-path key of a group: an attribute of a schema groups do not have is ignored
 * (undefined), one the Group schema lacks is refused.
 * @throws ScimError 400 `invalidPath` naming the attribute
 */
function resolveForPatch(path: string): ResolvedAttribute | undefined {
  const r = resolveAttributePath('Group', path);
  if (r && !isExtensionRoot(r)) return r;
  if (isForeignSchemaPath('Group', path)) return undefined;
  throw invalidPath(`attribute "${path}" is not in the Group schema`);
}

function applyAttribute(change: GroupChange, op: PatchOperation['op'], name: string, value: unknown, where: string) {
  switch (name) {
    case 'displayName':
      if (op === 'remove') throw ScimError.badRequest(ScimType.invalidValue, 'attribute "displayName" is required');
      change.displayName = scalar(value, 'displayName');
      return;
    case 'externalId':
      change.externalId = op === 'remove' ? null : scalar(value, 'externalId');
      return;
    case 'members': {
      if (op === 'add') return addMembers(change, memberIdsOf(value, where));
      if (op === 'replace') return replaceAllMembers(change, memberIdsOf(value ?? [], where));
      // Entra's default job removes members with path "members" and a value list: remove those, not all.
      if (value === undefined || value === null) return replaceAllMembers(change, []);
      return removeMembers(change, memberIdsOf(value, where));
    }
    case 'id':
      throw ScimError.badRequest(ScimType.mutability, 'attribute "id" is read-only');
    default:
      // meta is read-only and may be echoed: accepted and ignored.
      return;
  }
}

/**
 * Folds the operations of a group PATCH (already checked by `parsePatchRequest`) into a {@link GroupChange}:
 * rename, externalId, members added, removed by value (`path: "members"` with a value list) or by filter path
 * (`members[value eq "id"]`), or replaced. Pure.
 * @throws ScimError 400 (`invalidPath`, `invalidValue`, `mutability`, `invalidSyntax`)
 */
export function foldGroupPatch(operations: readonly PatchOperation[]): GroupChange {
  const change: GroupChange = { addMembers: new Set(), removeMembers: new Set() };
  operations.forEach(({ op, path, value }, index) => {
    const where = `Operations[${index}]`;
    if (path === undefined) {
      if (!isPlainObject(value)) {
        throw ScimError.badRequest(ScimType.invalidSyntax, `${where}: ${op} without a path needs an object value`);
      }
      for (const [key, v] of Object.entries(value)) {
        const r = resolveForPatch(key);
        if (!r) continue;
        if (r.subAttribute) throw invalidPath(`${where}: "${key}" cannot be set without a path`);
        applyAttribute(change, op, r.attribute.name, v, where);
      }
      return;
    }
    const split = splitPath(path);
    const r = resolveForPatch(split.attribute);
    if (!r) return;
    if (split.filter !== undefined) {
      if (r.attribute.name !== 'members' || r.subAttribute || split.subAttribute !== undefined) {
        throw invalidPath(`path "${path}" is not supported`);
      }
      const ids = idsSelectedBy(split.filter, path);
      if (op === 'remove') return removeMembers(change, ids);
      throw invalidPath(`path "${path}": members are added with path "members" and a value list`);
    }
    if (r.subAttribute) {
      if (r.attribute.name === 'members' && r.subAttribute.name === 'value' && op !== 'replace') {
        return applyAttribute(change, op, 'members', value ?? undefined, where);
      }
      throw invalidPath(`path "${path}" is not supported`);
    }
    applyAttribute(change, op, r.attribute.name, value, where);
  });
  return change;
}
