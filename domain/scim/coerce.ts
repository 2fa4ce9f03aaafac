import { unstorableTextReason } from '../storable-text';
import { commonAttributes, resourceSchemas, type AttributeDefinition, type ResourceTypeName } from './attributes';
import { ScimError, ScimType } from './errors';

/**
 * Longest string value accepted in any attribute (a base64 certificate may be longer), most elements in a
 * multi-valued attribute, and most members in one group body (the JSON body limit bounds it further).
 */
export const valueLimits = {
  maxStringLength: 1024,
  maxBinaryLength: 16_384,
  maxValues: 100,
  maxMembers: 100_000,
} as const;

/** A resource's stored attributes: canonical names, extension attributes under their URN; no id, meta or schemas. */
export type ResourceData = Record<string, unknown>;

const invalidValue = (detail: string) => ScimError.badRequest(ScimType.invalidValue, detail);

/** Keys that would reach Object.prototype if written with bracket assignment. */
const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether a client's value for the attribute is stored: read-only ones are Joiner's, write-only ones never kept. */
export function isWritable(def: AttributeDefinition): boolean {
  return def.mutability !== 'readOnly' && def.mutability !== 'writeOnly';
}

function coerceScalar(def: AttributeDefinition, value: unknown, path: string): unknown {
  if (def.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    // Entra's default dialect sends "True"/"False" (and lower case with aadOptscim062020).
    if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
    throw invalidValue(`attribute "${path}" must be a boolean`);
  }
  if (typeof value !== 'string') throw invalidValue(`attribute "${path}" must be a string`);
  const max = def.type === 'binary' ? valueLimits.maxBinaryLength : valueLimits.maxStringLength;
  if (value.length > max) throw invalidValue(`attribute "${path}" is longer than ${max} characters`);
  const unstorable = unstorableTextReason(value);
  if (unstorable !== undefined) throw invalidValue(`attribute "${path}" ${unstorable}`);
  return value;
}

function coerceComplex(def: AttributeDefinition, value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalidValue(`attribute "${path}" must be an object`);
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value)) {
    if (raw === null || raw === undefined) continue;
    const sub = def.subAttributes?.find((s) => s.name.toLowerCase() === key.toLowerCase());
    if (!sub || !isWritable(sub)) continue;
    out[sub.name] = coerceScalar(sub, raw, `${path}.${sub.name}`);
  }
  return out;
}

function coerceAttribute(def: AttributeDefinition, value: unknown, path: string): unknown {
  if (def.multiValued) {
    const list = Array.isArray(value) ? value : [value];
    const max = def.name === 'members' ? valueLimits.maxMembers : valueLimits.maxValues;
    if (list.length > max) {
      throw invalidValue(`attribute "${path}" has more than ${max} values`);
    }
    return list
      .filter((v) => v !== null && v !== undefined)
      .map((v) => (def.type === 'complex' ? coerceComplex(def, v, path) : coerceScalar(def, v, path)));
  }
  return def.type === 'complex' ? coerceComplex(def, value, path) : coerceScalar(def, value, path);
}

/**
 * Puts one PATCH value in its stored form before it is applied (string booleans as booleans, sub-attribute names in
 * canonical case, unknown sub-attributes dropped), so that an `add` of a value already present is recognised as
 * such (RFC 7644 §3.5.2.1: no change) instead of appending `{"primary": "True"}` beside `{"primary": true}`.
 * `sub` is the sub-attribute a path like `emails[type eq "work"].value` ends in. null stays null. Pure.
 * @throws ScimError 400 `invalidValue` naming the attribute, as {@link coerceResourceData}
 */
export function coercePatchValue(
  def: AttributeDefinition,
  sub: AttributeDefinition | undefined,
  value: unknown,
  path: string,
): unknown {
  if (value === null || value === undefined) return value;
  if (sub) return coerceScalar(sub, value, path);
  return coerceAttribute(def, value, path);
}

function coerceInto(
  out: Record<string, unknown>,
  definitions: readonly AttributeDefinition[],
  input: Record<string, unknown>,
  prefix: string,
): void {
  for (const [key, value] of Object.entries(input)) {
    if (value === null || value === undefined || forbiddenKeys.has(key)) continue;
    const def = definitions.find((d) => d.name.toLowerCase() === key.toLowerCase());
    // Unknown attributes and read-only ones (id, meta) are accepted and ignored, as Entra expects.
    if (!def || !isWritable(def)) continue;
    out[def.name] = coerceAttribute(def, value, `${prefix}${def.name}`);
  }
}

/**
 * Turns a JSON object sent by a SCIM client into a resource's stored attributes: names in canonical case, string
 * booleans as booleans, every string exactly as sent, extension attributes under their canonical URN (whether or not
 * `schemas` lists it), unknown, read-only and write-only attributes dropped, nulls treated as absent. Checks types,
 * sizes and that every string can be stored; required attributes and resource rules are checked by the User and
 * Group modules. Pure; never mutates `input`.
 * @throws ScimError 400 `invalidSyntax` when the body is not an object, `invalidValue` naming the attribute when a
 *   value has the wrong type or size, or is a string the database cannot store (U+0000, an unpaired surrogate)
 */
export function coerceResourceData(type: ResourceTypeName, input: unknown): ResourceData {
  if (!isPlainObject(input)) throw ScimError.badRequest(ScimType.invalidSyntax, 'the body must be a JSON object');
  const schemas = resourceSchemas[type];
  const definitions = [...commonAttributes, ...schemas.attributes];
  const out: Record<string, unknown> = {};
  coerceInto(out, definitions, input, '');
  const extensions = schemas.extensions as Readonly<Record<string, readonly AttributeDefinition[]>>;
  for (const [key, value] of Object.entries(input)) {
    const urn = Object.keys(extensions).find((u) => u.toLowerCase() === key.toLowerCase());
    if (!urn || value === null || value === undefined) continue;
    if (!isPlainObject(value)) throw invalidValue(`"${urn}" must be an object`);
    const ext: Record<string, unknown> = {};
    coerceInto(ext, extensions[urn] ?? [], value, `${urn}:`);
    if (Object.keys(ext).length > 0) out[urn] = ext;
  }
  return out;
}

/**
 * True when two stored resources hold the same JSON values (object key order aside). Compares structure only, never
 * prototypes: a row read back from the database and a freshly built object compare equal. Pure.
 */
export function sameResourceData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => sameResourceData(item, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a).filter((k) => a[k] !== undefined);
  if (keys.length !== Object.keys(b).filter((k) => b[k] !== undefined).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameResourceData(a[k], b[k]));
}
