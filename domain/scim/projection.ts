import type { ResourceTypeName } from './attributes';
import { ScimError, ScimType } from './errors';
import { isExtensionRoot, resolveAttributePath, storageKeys } from './paths';

/** Which attributes a response carries, from the `attributes` / `excludedAttributes` query parameters. */
export interface Projection {
  mode: 'all' | 'only' | 'except';
  /** Key paths into the SCIM representation (`['name','givenName']`, `['urn:…:User','manager']`). */
  paths: string[][];
}

/** Attributes returned whatever the caller asks (RFC 7643 `returned: always`). */
const alwaysReturned = new Set(['id', 'schemas']);

function parseList(type: ResourceTypeName, text: string, param: string): string[][] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length > 50) throw ScimError.badRequest(ScimType.invalidSyntax, `"${param}" names too many attributes`);
  return items.flatMap((item) => {
    const r = resolveAttributePath(type, item);
    // Unknown names select nothing (RFC 7644 §3.4.2.5 has no error for them).
    if (!r) return [];
    return [isExtensionRoot(r) ? [r.extensionRoot] : storageKeys(r)];
  });
}

/**
 * Reads `attributes` and `excludedAttributes` (comma-separated, any case, URN-qualified or dotted). Pure.
 * @throws ScimError 400 `invalidSyntax` when both are given or a list is absurdly long
 */
export function parseProjection(type: ResourceTypeName, attributes?: string, excludedAttributes?: string): Projection {
  const has = (s: string | undefined) => s !== undefined && s.trim() !== '';
  if (has(attributes) && has(excludedAttributes)) {
    throw ScimError.badRequest(ScimType.invalidSyntax, 'use either "attributes" or "excludedAttributes", not both');
  }
  if (has(attributes)) return { mode: 'only', paths: parseList(type, attributes!, 'attributes') };
  if (has(excludedAttributes))
    return { mode: 'except', paths: parseList(type, excludedAttributes!, 'excludedAttributes') };
  return { mode: 'all', paths: [] };
}

/** True when the projection leaves out the whole top-level attribute `name` (e.g. `members`). */
export function excludesAttribute(p: Projection, name: string): boolean {
  if (p.mode === 'all') return false;
  if (p.mode === 'except') return p.paths.some((path) => path.length === 1 && path[0] === name);
  return !p.paths.some((path) => path[0] === name);
}

function pick(source: Record<string, unknown>, path: string[], target: Record<string, unknown>): void {
  const [head, ...rest] = path;
  if (head === undefined || !(head in source)) return;
  const value = source[head];
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  if (Array.isArray(value)) {
    const sub = rest[0]!;
    target[head] = value.map((el: Record<string, unknown>, i) => {
      const existing = (Array.isArray(target[head]) ? (target[head] as Record<string, unknown>[])[i] : undefined) ?? {};
      return sub in el ? { ...existing, [sub]: el[sub] } : existing;
    });
    return;
  }
  if (value !== null && typeof value === 'object') {
    const nested = (target[head] as Record<string, unknown> | undefined) ?? {};
    pick(value as Record<string, unknown>, rest, nested);
    target[head] = nested;
  }
}

function drop(resource: Record<string, unknown>, path: string[]): void {
  const [head, ...rest] = path;
  if (head === undefined || alwaysReturned.has(head) || !(head in resource)) return;
  if (rest.length === 0) {
    delete resource[head];
    return;
  }
  const value = resource[head];
  if (Array.isArray(value)) {
    resource[head] = value.map((el: Record<string, unknown>) => {
      const copy = { ...el };
      delete copy[rest[0]!];
      return copy;
    });
  } else if (value !== null && typeof value === 'object') {
    const copy = { ...(value as Record<string, unknown>) };
    drop(copy, rest);
    resource[head] = copy;
  }
}

/** Applies a projection to a SCIM representation; `id` and `schemas` always stay. Pure. */
export function project(resource: Record<string, unknown>, p: Projection): Record<string, unknown> {
  if (p.mode === 'all') return resource;
  if (p.mode === 'except') {
    const out = { ...resource };
    for (const path of p.paths) drop(out, path);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of alwaysReturned) if (key in resource) out[key] = resource[key];
  for (const path of p.paths) pick(resource, path, out);
  return out;
}
