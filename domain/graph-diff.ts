import type { GraphUserProperties, ManagedGraphProperty } from './graph-user';
import { MANAGED_GRAPH_PROPERTIES, UNCLEARABLE_GRAPH_PROPERTIES } from './graph-user';

/**
 * The minimal Graph PATCH between what Joiner last wrote and what HR now wants. Pure: safe in workflow code.
 */

type PropertyValue = GraphUserProperties[ManagedGraphProperty];

function sameValue(a: PropertyValue, b: PropertyValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}

const unclearable: ReadonlySet<string> = new Set(UNCLEARABLE_GRAPH_PROPERTIES);

/**
 * The properties of `desired` that differ from `lastPushed`: `null` clears, arrays compare by value (in order),
 * properties `desired` omits are left alone, and displayName, mailNickname and mail are never sent empty or null
 * (Graph cannot clear them). A property missing from `lastPushed` is unknown, so a desired `null` or `[]` is sent to
 * be sure; pass the state recorded after creation (see `toNewGraphUser`) to avoid that. Returns `{}` when nothing
 * changed, and an empty patch needs no Graph call.
 */
export function diffGraphUser(
  lastPushed: GraphUserProperties | undefined,
  desired: GraphUserProperties,
): GraphUserProperties {
  const patch: Record<string, PropertyValue> = {};
  for (const property of MANAGED_GRAPH_PROPERTIES) {
    const want = desired[property];
    if (want === undefined) continue;
    if (unclearable.has(property) && (want === null || want === '')) continue;
    const had = lastPushed?.[property];
    if (had !== undefined && sameValue(had, want)) continue;
    patch[property] = Array.isArray(want) ? [...want] : want;
  }
  return patch;
}

/** The last pushed state after `patch` was written successfully (a new object; neither input is changed). */
export function applyGraphPatch(
  lastPushed: GraphUserProperties | undefined,
  patch: GraphUserProperties,
): GraphUserProperties {
  const next: Record<string, PropertyValue> = { ...lastPushed };
  for (const [property, value] of Object.entries(patch) as [ManagedGraphProperty, PropertyValue][]) {
    if (value !== undefined) next[property] = Array.isArray(value) ? [...value] : value;
  }
  return next;
}

/** Whether a patch has anything to write. */
export function isEmptyPatch(patch: GraphUserProperties): boolean {
  return Object.keys(patch).length === 0;
}
