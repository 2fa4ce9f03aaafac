import { parse, stringify, type Filter as ParsedFilter } from 'scim2-parse-filter';
import type { AttributeDefinition } from './attributes';
import { ScimUrn } from './constants';
import { unstorableTextReason } from '../storable-text';
import { ScimError, ScimType } from './errors';

/** Most operations accepted in one PATCH request (Entra sends dozens; group membership batches a few hundred). */
export const maxPatchOperations = 1000;

/** Longest `path` accepted (a URN-qualified attribute with a value filter is well under it). */
export const maxPatchPathLength = 512;

/** A PATCH operation after its envelope was checked: op in lower case, path trimmed (undefined when absent). */
export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string | undefined;
  value: unknown;
}

const syntax = (detail: string) => ScimError.badRequest(ScimType.invalidSyntax, detail);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Checks a PATCH body (RFC 7644 §3.5.2): the PatchOp schema, a non-empty `Operations` array (key matched
 * case-insensitively), each operation an object whose `op` is add, replace or remove in any case (Entra sends
 * "Add", "Replace", "Remove"). Pure.
 * @throws ScimError 400 `invalidSyntax` naming what is wrong, `noTarget` for a remove without a path
 */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isPlainObject(body)) throw syntax('the body must be a JSON object');
  const schemas = body.schemas;
  if (
    !Array.isArray(schemas) ||
    !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === ScimUrn.PatchOp.toLowerCase())
  ) {
    throw syntax(`"schemas" must contain "${ScimUrn.PatchOp}"`);
  }
  const key = Object.keys(body).find((k) => k.toLowerCase() === 'operations');
  const operations = key === undefined ? undefined : body[key];
  if (!Array.isArray(operations) || operations.length === 0) throw syntax('"Operations" must be a non-empty array');
  if (operations.length > maxPatchOperations) throw syntax(`at most ${maxPatchOperations} operations per request`);
  return operations.map((raw, index) => {
    if (!isPlainObject(raw)) throw syntax(`Operations[${index}] must be an object`);
    const op = typeof raw.op === 'string' ? raw.op.trim().toLowerCase() : undefined;
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw syntax(`Operations[${index}].op must be "add", "replace" or "remove"`);
    }
    if (raw.path !== undefined && raw.path !== null && typeof raw.path !== 'string') {
      throw ScimError.badRequest(ScimType.invalidPath, `Operations[${index}].path must be a string`);
    }
    const path = typeof raw.path === 'string' && raw.path.trim() !== '' ? raw.path.trim() : undefined;
    if (path !== undefined && path.length > maxPatchPathLength) {
      throw ScimError.badRequest(
        ScimType.invalidPath,
        `Operations[${index}].path is longer than ${maxPatchPathLength}`,
      );
    }
    const unstorable = path === undefined ? undefined : unstorableTextReason(path);
    if (unstorable !== undefined) {
      throw ScimError.badRequest(ScimType.invalidPath, `Operations[${index}].path ${unstorable}`);
    }
    if (op === 'remove' && path === undefined) {
      throw ScimError.badRequest(ScimType.noTarget, `Operations[${index}]: remove needs a path`);
    }
    if (op !== 'remove' && !('value' in raw)) throw syntax(`Operations[${index}]: ${op} needs a value`);
    return { op, path, value: raw.value };
  });
}

/** A path split into attribute, optional value filter and optional sub-attribute after the filter. */
export interface SplitPath {
  attribute: string;
  filter: string | undefined;
  subAttribute: string | undefined;
}

/**
 * Splits `emails[type eq "work"].value` into its parts; plain paths come back with no filter.
 * @throws ScimError 400 `invalidPath` for unbalanced brackets or text after them
 */
export function splitPath(path: string): SplitPath {
  const open = path.indexOf('[');
  if (open < 0) {
    if (path.includes(']')) throw ScimError.badRequest(ScimType.invalidPath, `path "${path}" is malformed`);
    return { attribute: path, filter: undefined, subAttribute: undefined };
  }
  const close = path.lastIndexOf(']');
  const after = path.slice(close + 1);
  if (close < open || (after !== '' && !/^\.[A-Za-z$][\w$-]*$/.test(after))) {
    throw ScimError.badRequest(ScimType.invalidPath, `path "${path}" is malformed`);
  }
  return {
    attribute: path.slice(0, open),
    filter: path.slice(open + 1, close),
    subAttribute: after === '' ? undefined : after.slice(1),
  };
}

function canonicaliseFilterNode(f: ParsedFilter, subs: readonly AttributeDefinition[], path: string): ParsedFilter {
  switch (f.op) {
    case 'and':
    case 'or':
      return {
        op: f.op,
        filters: (f as { filters: ParsedFilter[] }).filters.map((c) => canonicaliseFilterNode(c, subs, path)),
      };
    case 'not':
      return { op: 'not', filter: canonicaliseFilterNode((f as { filter: ParsedFilter }).filter, subs, path) };
    case '[]':
      throw ScimError.badRequest(ScimType.invalidPath, `path "${path}" nests value filters`);
    default: {
      const leaf = f as ParsedFilter & { attrPath: string };
      const sub = subs.find((s) => s.name.toLowerCase() === leaf.attrPath.toLowerCase());
      if (!sub)
        throw ScimError.badRequest(ScimType.invalidPath, `path "${path}" filters on unknown "${leaf.attrPath}"`);
      const out = { ...leaf, attrPath: sub.name } as ParsedFilter & { compValue?: unknown };
      // Entra sends `primary eq "True"`; compare booleans as booleans.
      if (sub.type === 'boolean' && typeof out.compValue === 'string' && /^(true|false)$/i.test(out.compValue)) {
        out.compValue = out.compValue.toLowerCase() === 'true';
      }
      return out;
    }
  }
}

/**
 * Rewrites the value filter of a PATCH path with the canonical sub-attribute names, so a case-sensitive matcher
 * finds the elements (`Type eq "work"` → `type eq "work"`).
 * @throws ScimError 400 `invalidPath` when the filter does not parse or names an unknown sub-attribute
 */
export function canonicaliseValueFilter(filter: string, subs: readonly AttributeDefinition[], path: string): string {
  let parsed: ParsedFilter;
  try {
    parsed = parse(filter);
  } catch {
    throw ScimError.badRequest(ScimType.invalidPath, `path "${path}" has a filter that cannot be parsed`);
  }
  return stringify(canonicaliseFilterNode(parsed, subs, path));
}

/** Reads the member ids out of an add/remove value: `[{"value": id}]`, `{"value": id}` or a bare id string. */
export function memberIdsOf(value: unknown, where: string): string[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.map((item, i) => {
    const id = isPlainObject(item) ? item.value : item;
    if (typeof id !== 'string' || id.trim() === '') {
      throw ScimError.badRequest(ScimType.invalidValue, `${where}: members[${i}].value must be a non-empty string`);
    }
    const unstorable = unstorableTextReason(id);
    if (unstorable !== undefined) {
      throw ScimError.badRequest(ScimType.invalidValue, `${where}: members[${i}].value ${unstorable}`);
    }
    return id.trim();
  });
}
