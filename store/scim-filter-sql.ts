/**
 * Turns a validated SCIM filter (domain/scim/filter.ts) into a SQL condition, so that lists are answered by the
 * database with its indexes instead of loading rows. Values are always bound parameters; attribute names come only
 * from the schema definitions, never from the request text.
 */
import { sql, type SQL } from 'drizzle-orm';
import { ScimError, ScimType } from '../domain/scim/errors';
import type { FilterOperator, FilterTarget, ScimFilter } from '../domain/scim/filter';
import { scimGroupMembers, scimGroups, scimUsers } from './schema';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Escapes LIKE wildcards so `co "50%"` matches the text 50%. */
function likeEscape(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A text expression compared with a SCIM operator; `caseExact: false` lowers both sides. */
function compareText(expr: SQL, op: FilterOperator, value: string, caseExact: boolean): SQL {
  const left = caseExact ? expr : sql`lower(${expr})`;
  const v = caseExact ? value : value.toLowerCase();
  switch (op) {
    case 'eq':
      return sql`${left} = ${v}`;
    case 'ne':
      return sql`(${left} is null or ${left} <> ${v})`;
    case 'co':
      return sql`${left} like ${`%${likeEscape(v)}%`} escape '\\'`;
    case 'sw':
      return sql`${left} like ${`${likeEscape(v)}%`} escape '\\'`;
    case 'ew':
      return sql`${left} like ${`%${likeEscape(v)}`} escape '\\'`;
  }
}

/** A boolean kept as JSON text ('true' / 'false') or in a boolean column. */
function compareBoolean(expr: SQL, op: FilterOperator, value: boolean, isColumn: boolean): SQL {
  const right = isColumn ? sql`${value}` : sql`${String(value)}`;
  return op === 'ne' ? sql`(${expr} is null or ${expr} <> ${right})` : sql`${expr} = ${right}`;
}

/** Where a leaf's value lives and how to compare it. */
interface Operand {
  expr: SQL;
  isColumn: boolean;
  /** uuid columns: a value that is not a uuid can match nothing (and must not reach a uuid cast). */
  isUuid?: boolean;
}

function leafSql(operand: Operand, f: Extract<ScimFilter, { target: FilterTarget }>): SQL {
  if (f.op === 'pr') return sql`(${operand.expr} is not null and ${operand.expr}::text <> '')`;
  const { target, value } = f;
  if (target.type === 'boolean') return compareBoolean(operand.expr, f.op, value as boolean, operand.isColumn);
  if (operand.isUuid) {
    if (f.op === 'eq') return uuidPattern.test(value as string) ? sql`${operand.expr} = ${value}` : sql`false`;
    if (f.op === 'ne') return uuidPattern.test(value as string) ? sql`${operand.expr} <> ${value}` : sql`true`;
    return compareText(sql`${operand.expr}::text`, f.op, value as string, false);
  }
  return compareText(operand.expr, f.op, value as string, target.caseExact);
}

/** The JSON path of an attribute inside a stored user resource, as text. */
function jsonText(base: SQL, keys: string[]): SQL {
  return sql`(${base} #>> ${`{${keys.map((k) => `"${k.replace(/["\\]/g, '')}"`).join(',')}}`})`;
}

type Context = 'user' | 'group' | { element: SQL } | { member: true };

function userOperand(t: FilterTarget): Operand {
  if (t.extension === undefined && t.sub === undefined) {
    switch (t.name) {
      case 'id':
        return { expr: sql`${scimUsers.id}`, isColumn: true, isUuid: true };
      case 'userName':
        return { expr: sql`${scimUsers.userName}`, isColumn: true };
      case 'externalId':
        return { expr: sql`${scimUsers.externalId}`, isColumn: true };
      case 'displayName':
        return { expr: sql`${scimUsers.displayName}`, isColumn: true };
      case 'active':
        return { expr: sql`${scimUsers.active}`, isColumn: true };
    }
  }
  const keys = [...(t.extension ? [t.extension] : []), t.name, ...(t.sub ? [t.sub] : [])];
  return { expr: jsonText(sql`${scimUsers.resource}`, keys), isColumn: false };
}

function groupOperand(t: FilterTarget): Operand {
  switch (t.name) {
    case 'id':
      return { expr: sql`${scimGroups.id}`, isColumn: true, isUuid: true };
    case 'displayName':
      return { expr: sql`${scimGroups.displayName}`, isColumn: true };
    case 'externalId':
      return { expr: sql`${scimGroups.externalId}`, isColumn: true };
    default:
      throw ScimError.badRequest(ScimType.invalidFilter, `attribute "${t.name}" cannot be filtered on Group`);
  }
}

function render(f: ScimFilter, ctx: Context): SQL {
  switch (f.op) {
    case 'and':
    case 'or': {
      const parts = f.filters.map((c) => render(c, ctx));
      return sql`(${sql.join(parts, f.op === 'and' ? sql` and ` : sql` or `)})`;
    }
    case 'not':
      return sql`not coalesce(${render(f.filter, ctx)}, false)`;
    case 'some':
      return renderSome(f, ctx);
    default: {
      if (typeof ctx === 'object' && 'element' in ctx) {
        return leafSql({ expr: sql`(${ctx.element} ->> ${f.target.sub ?? 'value'})`, isColumn: false }, f);
      }
      if (typeof ctx === 'object') {
        if (f.target.sub !== 'value') {
          throw ScimError.badRequest(ScimType.invalidFilter, 'group members can be filtered by value only');
        }
        return leafSql({ expr: sql`${scimGroupMembers.userId}`, isColumn: true, isUuid: true }, f);
      }
      return leafSql(ctx === 'user' ? userOperand(f.target) : groupOperand(f.target), f);
    }
  }
}

/** The work-email shortcut: `emails[type eq "work"].value eq "x"` is answered from the indexed column. */
function workEmailShortcut(f: Extract<ScimFilter, { op: 'some' }>): SQL | undefined {
  if (f.attribute !== 'emails' || f.filter.op !== 'and' || f.filter.filters.length !== 2) return undefined;
  const [a, b] = f.filter.filters;
  const isWorkType = (x: ScimFilter | undefined) =>
    x?.op === 'eq' && x.target.sub === 'type' && typeof x.value === 'string' && x.value.toLowerCase() === 'work';
  const value = isWorkType(a) ? b : isWorkType(b) ? a : undefined;
  if (value?.op !== 'eq' || value.target.sub !== 'value' || typeof value.value !== 'string') return undefined;
  return sql`lower(${scimUsers.workEmail}) = ${value.value.toLowerCase()}`;
}

function renderSome(f: Extract<ScimFilter, { op: 'some' }>, ctx: Context): SQL {
  if (ctx === 'group') {
    if (f.attribute !== 'members') {
      throw ScimError.badRequest(ScimType.invalidFilter, `attribute "${f.attribute}" cannot be filtered on Group`);
    }
    return sql`exists (select 1 from ${scimGroupMembers} where ${scimGroupMembers.groupId} = ${scimGroups.id} and ${render(f.filter, { member: true })})`;
  }
  if (ctx !== 'user') throw ScimError.badRequest(ScimType.invalidFilter, 'value filters cannot be nested');
  const shortcut = workEmailShortcut(f);
  if (shortcut) return shortcut;
  const keys = [...(f.extension ? [f.extension] : []), f.attribute];
  const array = sql`coalesce(${scimUsers.resource} #> ${`{${keys.map((k) => `"${k}"`).join(',')}}`}, '[]'::jsonb)`;
  const element = sql.raw('scim_el');
  return sql`exists (select 1 from jsonb_array_elements(${array}) as scim_el where ${render(f.filter, { element })})`;
}

/**
 * The SQL condition for a filter on Users (against `scim_users`). userName, externalId, displayName and emails
 * compare case-insensitively; the work email and userName use their indexes.
 * @throws ScimError 400 `invalidFilter` for a filter the database cannot answer
 */
export function userFilterSql(filter: ScimFilter): SQL {
  return render(filter, 'user');
}

/** The SQL condition for a filter on Groups (against `scim_groups`); `members eq "id"` checks membership. */
export function groupFilterSql(filter: ScimFilter): SQL {
  return render(filter, 'group');
}
