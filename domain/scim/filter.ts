import { parse, type Filter as ParsedFilter } from 'scim2-parse-filter';
import type { AttributeDefinition, ResourceTypeName } from './attributes';
import { unstorableTextReason } from '../storable-text';
import { ScimError, ScimType } from './errors';
import { isExtensionRoot, resolveAttributePath, type ResolvedAttribute } from './paths';

/** Comparison operators Joiner evaluates in the database. Ordering operators (gt, ge, lt, le) are not supported. */
export const FilterOperator = { eq: 'eq', ne: 'ne', co: 'co', sw: 'sw', ew: 'ew' } as const;
export type FilterOperator = (typeof FilterOperator)[keyof typeof FilterOperator];

/**
 * A filterable leaf: the canonical attribute and, for complex attributes, the sub-attribute compared. Types and
 * case rules come from the schema, except that Entra's matching attributes (userName, externalId, displayName,
 * emails) compare case-insensitively, as the attribute definitions say.
 */
export interface FilterTarget {
  extension: string | undefined;
  name: string;
  sub: string | undefined;
  type: AttributeDefinition['type'];
  caseExact: boolean;
}

/**
 * A validated filter over one resource type, ready to become a database query. Leaves inside a multi-valued
 * attribute (`emails`, `phoneNumbers`, `members`, …) always appear under a `some` node whose filter compares the
 * element's sub-attributes, so a query builder has one shape to handle.
 */
export type ScimFilter =
  | { op: 'and' | 'or'; filters: ScimFilter[] }
  | { op: 'not'; filter: ScimFilter }
  | { op: FilterOperator; target: FilterTarget; value: string | boolean }
  | { op: 'pr'; target: FilterTarget }
  | { op: 'some'; attribute: string; extension: string | undefined; filter: ScimFilter };

/** Longest filter text and most nodes accepted; anything larger is not something Entra sends. */
export const filterLimits = { maxLength: 2048, maxNodes: 64 } as const;

const invalid = (detail: string) => ScimError.badRequest(ScimType.invalidFilter, detail);

function countNodes(f: ParsedFilter): number {
  switch (f.op) {
    case 'and':
    case 'or':
      return 1 + (f as { filters: ParsedFilter[] }).filters.reduce((n, c) => n + countNodes(c), 0);
    case 'not':
      return 1 + countNodes((f as { filter: ParsedFilter }).filter);
    case '[]':
      return 1 + countNodes((f as { valFilter: ParsedFilter }).valFilter);
    default:
      return 1;
  }
}

function resolve(type: ResourceTypeName, path: string): ResolvedAttribute {
  const r = resolveAttributePath(type, path);
  if (!r || isExtensionRoot(r)) throw invalid(`attribute "${path}" cannot be filtered on ${type}`);
  if (r.attribute.name === 'meta') throw invalid(`attribute "${path}" cannot be filtered`);
  return r;
}

function leafTarget(r: ResolvedAttribute, sub: AttributeDefinition | undefined, path: string): FilterTarget {
  const leaf = sub ?? r.attribute;
  if (leaf.type === 'complex') throw invalid(`attribute "${path}" is complex; compare one of its sub-attributes`);
  return { extension: r.extension, name: r.attribute.name, sub: sub?.name, type: leaf.type, caseExact: leaf.caseExact };
}

/** The sub-attribute a bare complex attribute stands for in a comparison (`manager eq "id"`, `members eq "id"`). */
function defaultSub(r: ResolvedAttribute): AttributeDefinition | undefined {
  if (r.subAttribute || r.attribute.type !== 'complex') return r.subAttribute;
  return r.attribute.subAttributes?.find((s) => s.name === 'value');
}

function compareValue(target: FilterTarget, raw: unknown, path: string): string | boolean {
  if (target.type === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    if (typeof raw === 'string' && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
    throw invalid(`attribute "${path}" is a boolean; compare it with true or false`);
  }
  if (typeof raw === 'string') {
    const unstorable = unstorableTextReason(raw);
    if (unstorable !== undefined) throw invalid(`the value compared with "${path}" ${unstorable}`);
    return raw;
  }
  if (typeof raw === 'number') return String(raw);
  throw invalid(`attribute "${path}" is a string; compare it with a quoted value`);
}

function leaf(type: ResourceTypeName, f: ParsedFilter, withinMultiValued?: ResolvedAttribute): ScimFilter {
  const { attrPath } = f as { attrPath: string };
  let r: ResolvedAttribute;
  if (withinMultiValued) {
    const sub = withinMultiValued.attribute.subAttributes?.find((s) => s.name.toLowerCase() === attrPath.toLowerCase());
    if (!sub) throw invalid(`"${attrPath}" is not a sub-attribute of ${withinMultiValued.attribute.name}`);
    r = { ...withinMultiValued, subAttribute: sub };
  } else {
    r = resolve(type, attrPath);
  }
  const target = leafTarget(r, defaultSub(r), attrPath);
  const node: ScimFilter =
    f.op === 'pr'
      ? { op: 'pr', target }
      : (() => {
          if (!(f.op in FilterOperator)) throw invalid(`operator "${f.op}" is not supported`);
          const value = compareValue(target, (f as { compValue: unknown }).compValue, attrPath);
          if (target.type === 'boolean' && f.op !== 'eq' && f.op !== 'ne') {
            throw invalid(`operator "${f.op}" does not apply to boolean "${attrPath}"`);
          }
          return { op: f.op as FilterOperator, target, value };
        })();
  if (!withinMultiValued && r.attribute.multiValued) {
    return { op: 'some', attribute: r.attribute.name, extension: r.extension, filter: node };
  }
  return node;
}

function valuePath(type: ResourceTypeName, attrPath: string, inner: ParsedFilter): ScimFilter {
  const r = resolve(type, attrPath);
  if (r.subAttribute || !r.attribute.multiValued || r.attribute.type !== 'complex') {
    throw invalid(`"${attrPath}[…]" needs a multi-valued complex attribute`);
  }
  return { op: 'some', attribute: r.attribute.name, extension: r.extension, filter: translate(type, inner, r) };
}

function translate(type: ResourceTypeName, f: ParsedFilter, within?: ResolvedAttribute): ScimFilter {
  switch (f.op) {
    case 'and':
    case 'or': {
      const { filters } = f as { filters: ParsedFilter[] };
      // scim2-parse-filter turns `emails[type eq "work"].value eq "x"` into and([emails[…]], emails.value eq "x");
      // both must hold for the same element, so fold it back into one `some` (Entra's matching filter).
      const [first, second] = filters;
      if (f.op === 'and' && !within && filters.length === 2 && first?.op === '[]' && second && 'attrPath' in second) {
        const base = (first as { attrPath: string }).attrPath;
        const prefix = `${base.toLowerCase()}.`;
        if (second.attrPath.toLowerCase().startsWith(prefix)) {
          const subFilter = { ...second, attrPath: second.attrPath.slice(prefix.length) } as ParsedFilter;
          const inner = { op: 'and', filters: [(first as { valFilter: ParsedFilter }).valFilter, subFilter] };
          return valuePath(type, base, inner as ParsedFilter);
        }
      }
      return { op: f.op, filters: filters.map((c) => translate(type, c, within)) };
    }
    case 'not':
      return { op: 'not', filter: translate(type, (f as { filter: ParsedFilter }).filter, within) };
    case '[]':
      if (within) throw invalid('value filters cannot be nested');
      return valuePath(type, (f as { attrPath: string }).attrPath, (f as { valFilter: ParsedFilter }).valFilter);
    default:
      return leaf(type, f, within);
  }
}

/**
 * Parses a SCIM filter (RFC 7644 §3.4.2.2) with scim2-parse-filter and resolves every attribute against the
 * resource type's schemas. Attribute names and operators are case-insensitive. Pure.
 * @throws ScimError 400 `invalidFilter` for unparsable text, unknown attributes, unsupported operators, wrong
 *   value types, or a filter longer or larger than {@link filterLimits}
 */
export function parseScimFilter(type: ResourceTypeName, text: string): ScimFilter {
  if (text.length > filterLimits.maxLength) throw invalid(`filter is longer than ${filterLimits.maxLength} characters`);
  const unstorable = unstorableTextReason(text);
  // No stored value can match such a string, and the database would refuse it as a parameter.
  if (unstorable !== undefined) throw invalid(`filter ${unstorable}`);
  let parsed: ParsedFilter;
  try {
    parsed = parse(text);
  } catch (err) {
    throw invalid(`filter cannot be parsed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (countNodes(parsed) > filterLimits.maxNodes) throw invalid(`filter has more than ${filterLimits.maxNodes} terms`);
  return translate(type, parsed);
}
