import { commonAttributes, resourceSchemas, type AttributeDefinition, type ResourceTypeName } from './attributes';

/** An attribute path resolved against a resource type's schemas, with the canonical spelling of every name. */
export interface ResolvedAttribute {
  /** The extension URN the attribute belongs to; undefined for core and common attributes. */
  extension: string | undefined;
  attribute: AttributeDefinition;
  /** The sub-attribute, for paths like `name.givenName` or `emails.value`. */
  subAttribute: AttributeDefinition | undefined;
}

/** A whole extension addressed by its URN alone, e.g. a no-path PATCH value keyed by the enterprise URN. */
export interface ResolvedExtension {
  extensionRoot: string;
}

function findByName(list: readonly AttributeDefinition[], name: string): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return list.find((a) => a.name.toLowerCase() === lower);
}

/**
 * Splits a leading schema URN off an attribute path, case-insensitively.
 * @returns the canonical URN (or undefined when there is none) and the rest; `rest` is '' for a bare URN;
 *   undefined when the path starts with a URN this resource type does not have
 */
function splitUrn(type: ResourceTypeName, path: string): { urn: string | undefined; rest: string } | undefined {
  if (!/^urn:/i.test(path)) return { urn: undefined, rest: path };
  const schemas = resourceSchemas[type];
  const lower = path.toLowerCase();
  for (const urn of [schemas.core, ...Object.keys(schemas.extensions)]) {
    const u = urn.toLowerCase();
    if (lower === u) return { urn, rest: '' };
    if (lower.startsWith(`${u}:`)) return { urn, rest: path.slice(u.length + 1) };
  }
  return undefined;
}

/**
 * Resolves an attribute path (`userName`, `NAME.givenName`, `emails.value`, `manager`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`, `urn:…:core:2.0:User:title`) for a
 * resource type. Names and URNs are case-insensitive (RFC 7643 §2.1). Unqualified names are looked up in the core
 * schema first, then in the extensions (Entra sends a bare `manager`). Pure.
 * @returns the resolved attribute, `{ extensionRoot }` for a bare extension URN, or undefined when unknown
 */
export function resolveAttributePath(
  type: ResourceTypeName,
  path: string,
): ResolvedAttribute | ResolvedExtension | undefined {
  const split = splitUrn(type, path.trim());
  if (!split) return undefined;
  const schemas = resourceSchemas[type];
  const extensions = schemas.extensions as Readonly<Record<string, readonly AttributeDefinition[]>>;
  if (split.rest === '') {
    return split.urn !== undefined && split.urn !== schemas.core ? { extensionRoot: split.urn } : undefined;
  }
  const dot = split.rest.indexOf('.');
  const head = dot < 0 ? split.rest : split.rest.slice(0, dot);
  const tail = dot < 0 ? undefined : split.rest.slice(dot + 1);

  let extension: string | undefined;
  let attribute: AttributeDefinition | undefined;
  if (split.urn === undefined || split.urn === schemas.core) {
    attribute = findByName(commonAttributes, head) ?? findByName(schemas.attributes, head);
    if (!attribute && split.urn === undefined) {
      for (const [urn, list] of Object.entries(extensions)) {
        attribute = findByName(list, head);
        if (attribute) {
          extension = urn;
          break;
        }
      }
    }
  } else {
    extension = split.urn;
    attribute = findByName(extensions[split.urn] ?? [], head);
  }
  if (!attribute) return undefined;
  if (tail === undefined) return { extension, attribute, subAttribute: undefined };
  const subAttribute = findByName(attribute.subAttributes ?? [], tail);
  return subAttribute ? { extension, attribute, subAttribute } : undefined;
}

/** True for the result of {@link resolveAttributePath} that addresses a whole extension. */
export function isExtensionRoot(r: ResolvedAttribute | ResolvedExtension): r is ResolvedExtension {
  return 'extensionRoot' in r;
}

/** The keys leading to the attribute in a stored resource: extension attributes live under their URN. */
export function storageKeys(r: ResolvedAttribute): string[] {
  const keys = r.extension === undefined ? [r.attribute.name] : [r.extension, r.attribute.name];
  return r.subAttribute ? [...keys, r.subAttribute.name] : keys;
}

/** The canonical path text (`name.givenName`, `urn:…:User:manager.value`) used in PATCH and error messages. */
export function canonicalPath(r: ResolvedAttribute): string {
  const head = r.extension === undefined ? r.attribute.name : `${r.extension}:${r.attribute.name}`;
  return r.subAttribute ? `${head}.${r.subAttribute.name}` : head;
}

/**
 * True when a path is qualified by a schema URN the resource type does not have (a custom extension an
 * administrator mapped in Entra, a Microsoft URN): such attributes are accepted and ignored, while an unknown
 * attribute of a known schema is an error. Pure.
 */
export function isForeignSchemaPath(type: ResourceTypeName, path: string): boolean {
  return /^urn:/i.test(path.trim()) && splitUrn(type, path.trim()) === undefined;
}
