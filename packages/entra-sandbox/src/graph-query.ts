import { GraphErrorCode, GraphFailure, odataBadRequest, unsupportedQuery } from './graph-http';
import type { GraphRequest } from './graph-http';
import { checkFilterSupport, matchesFilter, parseFilter } from './graph-filter';
import { canonicalProperty, defaultPropertySet, userProperties } from './user-schema';

/** Graph's default and largest page sizes for users. */
export const defaultPageSize = 100;
export const maxPageSize = 999;

/** Whether the request is an advanced query (`ConsistencyLevel: eventual`, and `$count=true` where Graph wants it). */
export function consistencyEventual(req: GraphRequest): boolean {
  return (req.headers['consistencylevel'] ?? '').toLowerCase() === 'eventual';
}

/** Parses `$select` (case-insensitive names); `undefined` means the default property set. */
export function parseSelect(req: GraphRequest): string[] | undefined {
  const raw = req.query.get('$select');
  if (raw === null) return undefined;
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return names.map((name) => {
    const canonical = canonicalProperty(name);
    if (!canonical) throw odataBadRequest(`Could not find a property named '${name}' on type 'microsoft.graph.user'.`);
    return canonical;
  });
}

/** A user as Graph returns it: `id` first, only the selected (or default) properties, no password. */
export function projectUser(props: Record<string, unknown>, select: string[] | undefined): Record<string, unknown> {
  const names = select ?? defaultPropertySet;
  const out: Record<string, unknown> = {};
  if (select === undefined || select.includes('id')) out['id'] = props['id'];
  for (const name of names) {
    if (name === 'id') continue;
    // passwordProfile is write-only: Graph answers null for it.
    if (name === 'passwordProfile') {
      out[name] = null;
      continue;
    }
    const value = props[name];
    out[name] = value === undefined ? (userProperties[name]?.type === 'Collection(Edm.String)' ? [] : null) : value;
  }
  return out;
}

export function contextUrl(entitySet: string, select: string[] | undefined, entity = false): string {
  const projection = select ? `(${select.join(',')})` : '';
  return `https://graph.microsoft.com/v1.0/$metadata#${entitySet}${projection}${entity ? '/$entity' : ''}`;
}

type Row = Record<string, unknown>;

function parseSearch(raw: string): (row: Row) => boolean {
  const clauses = [...raw.matchAll(/"([^"]*)"|\b(AND|OR)\b/g)];
  if (clauses.length === 0)
    throw new GraphFailure(400, GraphErrorCode.badRequest, 'Syntax error: invalid $search clause.');
  const terms: { test: (row: Row) => boolean; join: 'AND' | 'OR' }[] = [];
  let join: 'AND' | 'OR' = 'AND';
  for (const [, quoted, keyword] of clauses) {
    if (keyword) {
      join = keyword as 'AND' | 'OR';
      continue;
    }
    const text = quoted ?? '';
    const colon = text.indexOf(':');
    const props =
      colon > 0 ? [text.slice(0, colon)] : ['displayName', 'mail', 'userPrincipalName', 'givenName', 'surname'];
    const needle = (colon > 0 ? text.slice(colon + 1) : text).toLowerCase();
    const canonical = props.map((p) => {
      const name = canonicalProperty(p);
      if (!name) throw odataBadRequest(`Could not find a property named '${p}' on type 'microsoft.graph.user'.`);
      return name;
    });
    // $search tokenizes values and matches word prefixes.
    const test = (row: Row) =>
      canonical.some((p) => {
        const value = row[p];
        return (
          typeof value === 'string' &&
          value
            .toLowerCase()
            .split(/[\s.@_-]+/)
            .some((w) => w.startsWith(needle))
        );
      });
    terms.push({ test, join });
    join = 'AND';
  }
  return (row) =>
    terms.reduce<boolean | undefined>(
      (acc, term) =>
        acc === undefined ? term.test(row) : term.join === 'AND' ? acc && term.test(row) : acc || term.test(row),
      undefined,
    ) ?? true;
}

function sortKey(value: unknown): string {
  return typeof value === 'string' ? value.toLowerCase() : JSON.stringify(value ?? '');
}

function parseOrderBy(raw: string, advanced: boolean): (a: Row, b: Row) => number {
  const [name = '', direction = 'asc'] = raw.trim().split(/\s+/);
  const prop = canonicalProperty(name);
  if (!prop) throw odataBadRequest(`Could not find a property named '${name}' on type 'microsoft.graph.user'.`);
  if (!advanced && prop !== 'displayName' && prop !== 'userPrincipalName') {
    throw unsupportedQuery(`Sorting not supported for '${prop}'.`);
  }
  const sign = direction.toLowerCase() === 'desc' ? -1 : 1;
  return (a, b) => {
    const x = sortKey(a[prop]);
    const y = sortKey(b[prop]);
    return x < y ? -sign : x > y ? sign : 0;
  };
}

function parseTop(req: GraphRequest): number {
  const raw = req.query.get('$top');
  if (raw === null) return defaultPageSize;
  const top = Number(raw);
  if (!Number.isInteger(top) || top < 1 || top > maxPageSize) {
    throw new GraphFailure(
      400,
      GraphErrorCode.unsupportedQuery,
      `Invalid page size specified: '${raw}'. Must be between 1 and ${maxPageSize} inclusive.`,
    );
  }
  return top;
}

function parseSkipToken(req: GraphRequest): number {
  const raw = req.query.get('$skiptoken');
  if (raw === null) return 0;
  const match = /^RFNwdAIAAQAAAD(.+)$/.exec(raw);
  const offset = match ? Number(Buffer.from(match[1]!, 'base64url').toString('utf8')) : NaN;
  if (!Number.isInteger(offset) || offset < 0)
    throw new GraphFailure(400, GraphErrorCode.badRequest, 'Invalid $skiptoken value.');
  return offset;
}

function skipToken(offset: number): string {
  return `RFNwdAIAAQAAAD${Buffer.from(String(offset)).toString('base64url')}`;
}

export interface ListResult {
  rows: Row[];
  count?: number;
  nextLink?: string;
  select: string[] | undefined;
}

/**
 * Applies `$filter`, `$search`, `$orderby`, `$count`, `$top` and `$skiptoken` to the visible users, with Graph's
 * ConsistencyLevel rules. The next link points back at the sandbox's own origin.
 */
export function queryUsers(req: GraphRequest, visible: Row[], path = '/users'): ListResult {
  const eventual = consistencyEventual(req);
  const countParam = req.query.get('$count');
  const count = countParam?.toLowerCase() === 'true';
  if (count && !eventual) throw unsupportedQuery('$count is not currently supported.');
  if (req.query.has('$skip')) throw unsupportedQuery("'$skip' is not supported by the service.");
  const advanced = eventual && count;
  const select = parseSelect(req);

  let rows = visible;
  const filter = req.query.get('$filter');
  if (filter !== null && filter.trim() !== '') {
    const node = parseFilter(filter);
    checkFilterSupport(node, advanced);
    rows = rows.filter((row) => matchesFilter(node, row));
  }
  const search = req.query.get('$search');
  if (search !== null) {
    if (!eventual) {
      throw new GraphFailure(
        400,
        GraphErrorCode.badRequest,
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
      );
    }
    const test = parseSearch(search);
    rows = rows.filter(test);
  }
  const orderBy = req.query.get('$orderby');
  if (orderBy !== null) rows = [...rows].sort(parseOrderBy(orderBy, advanced));

  const top = parseTop(req);
  const offset = parseSkipToken(req);
  const page = rows.slice(offset, offset + top);
  const result: ListResult = { rows: page, select };
  if (count) result.count = rows.length;
  if (offset + top < rows.length) {
    const params = new URLSearchParams(req.query);
    params.delete('$skiptoken');
    params.set('$skiptoken', skipToken(offset + top));
    result.nextLink = `${req.origin}/v1.0${path}?${params.toString().replace(/%24/g, '$')}`;
  }
  return result;
}
