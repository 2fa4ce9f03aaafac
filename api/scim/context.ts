import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { CompanyPolicies } from '../../domain/policies';
import { storedCompanyPolicies } from '../../domain/policies';
import type { ResourceTypeName } from '../../domain/scim/attributes';
import { ScimError, ScimType } from '../../domain/scim/errors';
import type { ScimFilter } from '../../domain/scim/filter';
import { parseScimFilter } from '../../domain/scim/filter';
import type { Page } from '../../domain/scim/paging';
import { parsePage } from '../../domain/scim/paging';
import type { Projection } from '../../domain/scim/projection';
import { parseProjection } from '../../domain/scim/projection';
import { isPhoneCountry } from '../../domain/scim/phone';
import type { UserRules } from '../../domain/scim/user';
import { getCompany } from '../../store/companies';
import type { Db } from '../../store/db';
import type { AccountSignalOutbox } from '../../orchestration/account-events';
import { rememberReads } from '../../store/recent-reads';

/** What the SCIM routes need, built once by `scimRouter`. */
export interface ScimDeps {
  db: Db;
  logger: Logger;
  /** The relay of the signals the writes commit; absent, they wait in the outbox for a relay's poll. */
  signals: AccountSignalOutbox | undefined;
  /** The public `/scim/v2` URL, for `meta.location` and `Location`. */
  baseUrl: string;
  /** The company's policies as the writes use them ({@link companyPoliciesSource}). */
  policies: (companyId: string) => Promise<CompanyPolicies>;
}

/** How long one process uses a company's policies without reading them again: a changed policy's longest delay. */
export const scimPoliciesTtlMs = 1_000;

/**
 * The company's policies (defaults when unset or unreadable), read at most once per {@link scimPoliciesTtlMs} per
 * company and process: every SCIM write needs them (the phone country, the deleted-user retention), so a burst of
 * writes costs one company read a second.
 */
export function companyPoliciesSource(db: Db, options: { now?: () => number } = {}) {
  return rememberReads(
    async (companyId): Promise<CompanyPolicies> => storedCompanyPolicies((await getCompany(db, companyId))?.policies),
    { ttlMs: scimPoliciesTtlMs, ...options },
  );
}

/** How the company's users are stored (the phone country). */
export function userRules(policies: CompanyPolicies): UserRules {
  const country = policies.phoneDefaultCountry;
  return { defaultCountry: country && isPhoneCountry(country) ? country : undefined };
}

/**
 * A single-valued query parameter, matched case-insensitively (`excludedAttributes`, `startIndex`, …).
 * @throws ScimError 400 `invalidSyntax` when it is repeated
 */
export function queryParam(ctx: Context, name: string): string | undefined {
  const lower = name.toLowerCase();
  const key = Object.keys(ctx.query).find((k) => k.toLowerCase() === lower);
  if (key === undefined) return undefined;
  const value = ctx.query[key];
  if (Array.isArray(value)) throw ScimError.badRequest(ScimType.invalidSyntax, `query parameter "${name}" is repeated`);
  return value;
}

/** The attributes a request for `type` resources asks for (`attributes`) or leaves out (`excludedAttributes`). */
export function projectionOf(ctx: Context, type: ResourceTypeName): Projection {
  return parseProjection(type, queryParam(ctx, 'attributes'), queryParam(ctx, 'excludedAttributes'));
}

/**
 * A list request's `filter` (none when empty), page (`startIndex`, `count`) and projection, checked in that order.
 * @throws ScimError 400 naming the first parameter that is wrong
 */
export function listRequestOf(
  ctx: Context,
  type: ResourceTypeName,
): { filter: ScimFilter | undefined; page: Page; projection: Projection } {
  const filterText = queryParam(ctx, 'filter');
  const filter = filterText === undefined || filterText.trim() === '' ? undefined : parseScimFilter(type, filterText);
  const page = parsePage(queryParam(ctx, 'startIndex'), queryParam(ctx, 'count'));
  return { filter, page, projection: projectionOf(ctx, type) };
}
