import { scimPatch, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import type { AttributeDefinition } from './attributes';
import { ScimUrn } from './constants';
import { ScimError, ScimType } from './errors';
import { canonicaliseValueFilter, splitPath, type PatchOperation } from './patch-request';
import { coercePatchValue, isWritable, type ResourceData } from './coerce';
import {
  canonicalPath,
  isExtensionRoot,
  isForeignSchemaPath,
  resolveAttributePath,
  type ResolvedAttribute,
  type ResolvedExtension,
} from './paths';
import { finaliseUser } from './user';

/** One step of a user PATCH after normalisation: either handed to scim-patch or done here. */
type Step =
  | { kind: 'library'; operation: ScimPatchOperation }
  | { kind: 'setManager'; managerId: string | undefined }
  | { kind: 'removeExtension'; urn: string };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Every manager shape Entra sends, reduced to an id (undefined removes the manager). */
function managerIdOf(value: unknown): string | undefined {
  const first = Array.isArray(value) ? (value[0] as unknown) : value;
  const raw = isPlainObject(first) ? first.value : first;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') {
    throw ScimError.badRequest(
      ScimType.invalidValue,
      `attribute "${ScimUrn.EnterpriseUser}:manager" must be a user id`,
    );
  }
  return raw.trim() === '' ? undefined : raw.trim();
}

function stepsForResolved(op: PatchOperation['op'], r: ResolvedAttribute, value: unknown): Step[] {
  const name = r.attribute.name;
  if (name === 'id') throw ScimError.badRequest(ScimType.mutability, 'attribute "id" is read-only');
  // meta is read-only and Entra may echo it: accept and ignore.
  if (!isWritable(r.attribute) || (r.subAttribute && !isWritable(r.subAttribute))) return [];
  if (r.extension === ScimUrn.EnterpriseUser && name === 'manager') {
    return [{ kind: 'setManager', managerId: op === 'remove' ? undefined : managerIdOf(value) }];
  }
  // A single-valued complex value ({"givenName": …}) merges sub-attribute by sub-attribute (RFC 7644 §3.5.2.3).
  if (op !== 'remove' && r.attribute.type === 'complex' && !r.attribute.multiValued && !r.subAttribute) {
    if (!isPlainObject(value)) {
      throw ScimError.badRequest(ScimType.invalidValue, `attribute "${canonicalPath(r)}" must be an object`);
    }
    return Object.entries(value).flatMap(([key, sub]) => stepsForKey(op, `${canonicalPath(r)}.${key}`, sub));
  }
  const coerced = op === 'remove' ? value : coercePatchValue(r.attribute, r.subAttribute, value, canonicalPath(r));
  return [{ kind: 'library', operation: { op, path: canonicalPath(r), value: coerced } as ScimPatchOperation }];
}

/**
 * Resolves a PATCH path or no-path key. An attribute of a schema the user does not have is ignored (undefined);
 * an attribute its schemas lack is refused.
 * @throws ScimError 400 `invalidPath` naming the attribute
 */
function resolveForPatch(path: string): ResolvedAttribute | ResolvedExtension | undefined {
  const r = resolveAttributePath('User', path);
  if (r || isForeignSchemaPath('User', path)) return r;
  // RFC 7643's read-only `groups`: memberships are written on the groups.
  if (/^(urn:ietf:params:scim:schemas:core:2\.0:user:)?groups(\.|$)/i.test(path)) {
    throw ScimError.badRequest(ScimType.mutability, 'attribute "groups" is read-only: change memberships on /Groups');
  }
  throw ScimError.badRequest(ScimType.invalidPath, `attribute "${path}" is not in the User schemas`);
}

/** A plain path or no-path key: dotted, URN-qualified, any case. */
function stepsForKey(op: PatchOperation['op'], key: string, value: unknown): Step[] {
  const r = resolveForPatch(key);
  if (!r) return [];
  if (isExtensionRoot(r)) {
    if (op === 'remove') return [{ kind: 'removeExtension', urn: r.extensionRoot }];
    if (!isPlainObject(value)) {
      throw ScimError.badRequest(ScimType.invalidValue, `"${r.extensionRoot}" must be an object`);
    }
    return Object.entries(value).flatMap(([k, v]) => stepsForKey(op, `${r.extensionRoot}:${k}`, v));
  }
  return stepsForResolved(op, r, value);
}

function stepsFor(operation: PatchOperation): Step[] {
  const { op, path, value } = operation;
  if (path === undefined) {
    if (!isPlainObject(value)) {
      throw ScimError.badRequest(ScimType.invalidSyntax, `${op} without a path needs an object value`);
    }
    // Each key of a no-path value is a path of its own (dotted, URN-qualified or with a value filter).
    return Object.entries(value).flatMap(([key, v]) => stepsFor({ op, path: key, value: v }));
  }
  const split = splitPath(path);
  if (split.filter === undefined) return stepsForKey(op, path, value);
  const r = resolveForPatch(split.attribute);
  if (!r) return [];
  if (isExtensionRoot(r) || !r.attribute.multiValued || r.subAttribute) {
    throw ScimError.badRequest(ScimType.invalidPath, `path "${path}" filters an attribute that is not multi-valued`);
  }
  const subs = r.attribute.subAttributes ?? [];
  let tail = '';
  let sub: AttributeDefinition | undefined;
  if (split.subAttribute !== undefined) {
    sub = subs.find((s) => s.name.toLowerCase() === split.subAttribute!.toLowerCase());
    if (!sub) throw ScimError.badRequest(ScimType.invalidPath, `path "${path}" names an unknown sub-attribute`);
    tail = `.${sub.name}`;
  }
  const filter = canonicaliseValueFilter(split.filter, subs, path);
  const canonical = `${canonicalPath(r)}[${filter}]${tail}`;
  return [{ kind: 'library', operation: { op, path: canonical, value: elementValue(op, r, sub, value) } }];
}

/**
 * The stored form of the value of a filtered path (`emails[type eq "work"]` takes one element or a list of them,
 * `emails[type eq "work"].primary` a sub-attribute value); see `coercePatchValue`.
 */
function elementValue(
  op: PatchOperation['op'],
  r: ResolvedAttribute,
  sub: AttributeDefinition | undefined,
  value: unknown,
): unknown {
  if (op === 'remove') return value;
  const path = sub ? `${canonicalPath(r)}.${sub.name}` : canonicalPath(r);
  const coerced = coercePatchValue(r.attribute, sub, value, path);
  return sub === undefined && isPlainObject(value) ? (coerced as unknown[])[0] : coerced;
}

function libraryError(err: unknown, operation: ScimPatchOperation): ScimError {
  const name = err instanceof Error ? err.constructor.name : '';
  if (name === 'NoTarget' || name === 'FilterArrayTargetNotFound' || name === 'FilterOnEmptyArray') {
    return ScimError.badRequest(ScimType.noTarget, `no value matches path "${operation.path ?? ''}"`);
  }
  return ScimError.badRequest(
    ScimType.invalidValue,
    `operation ${operation.op} on "${operation.path ?? ''}" cannot be applied to the current value`,
  );
}

function applyStep(doc: Record<string, unknown>, step: Step): Record<string, unknown> {
  switch (step.kind) {
    case 'setManager': {
      const ext = { ...((doc[ScimUrn.EnterpriseUser] as Record<string, unknown> | undefined) ?? {}) };
      if (step.managerId === undefined) delete ext.manager;
      else ext.manager = { value: step.managerId };
      return { ...doc, [ScimUrn.EnterpriseUser]: ext };
    }
    case 'removeExtension': {
      const copy = { ...doc };
      delete copy[step.urn];
      return copy;
    }
    case 'library': {
      try {
        // Passing options drops the library's default treatMissingAsAdd, so it is set explicitly.
        return scimPatch(doc as unknown as ScimResource, [step.operation], {
          mutateDocument: false,
          treatMissingAsAdd: true,
        }) as unknown as Record<string, unknown>;
      } catch (err) {
        // Removing something that is not there leaves the resource as it is (Entra re-sends removals).
        if (step.operation.op === 'remove') return doc;
        throw libraryError(err, step.operation);
      }
    }
  }
}

/**
 * Applies a PATCH (already checked by `parsePatchRequest`) to a user's stored data and returns the new data,
 * finalised (types, manager shape; every value as sent). Handles Entra's dialects: capitalised ops, string
 * booleans, no-path values with dotted and URN keys, every manager shape, typed values created on first add/replace
 * (`phoneNumbers[type eq "mobile"].value`), many operations in one request. Attributes of schemas the user does not
 * have are ignored, and read-only ones (`meta`) too; an attribute the User schemas lack is refused. Pure and
 * all-or-nothing: the input is never mutated, and any error leaves nothing applied. The caller compares the result
 * with `current` to tell a no-op.
 * @throws ScimError 400 (`invalidValue`, `invalidPath` naming the attribute, `noTarget`, `mutability`,
 *   `invalidSyntax`)
 */
export function applyUserPatch(current: ResourceData, operations: readonly PatchOperation[]): ResourceData {
  const steps = operations.flatMap(stepsFor);
  // scim-patch expects meta and schemas; they are stripped again before the result is validated.
  let doc: Record<string, unknown> = { ...structuredClone(current), schemas: [ScimUrn.User], meta: {} };
  for (const step of steps) doc = applyStep(doc, step);
  delete doc.schemas;
  delete doc.meta;
  return finaliseUser(doc);
}
