import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { CompanyPolicies } from '../../domain/policies';
import { storedCompanyPolicies } from '../../domain/policies';
import { ScimError, ScimType } from '../../domain/scim/errors';
import { isPhoneCountry } from '../../domain/scim/phone';
import type { UserRules } from '../../domain/scim/user';
import { getCompany } from '../../store/companies';
import type { Db } from '../../store/db';
import type { AccountSignalOutbox } from '../../orchestration/account-events';

/** What the SCIM routes need, built once by `scimRouter`. */
export interface ScimDeps {
  db: Db;
  logger: Logger;
  /** The relay of the signals the writes commit; absent, they wait in the outbox for a relay's poll. */
  signals: AccountSignalOutbox | undefined;
  /** The public `/scim/v2` URL, for `meta.location` and `Location`. */
  baseUrl: string;
}

/** The company's policies (defaults when unset or unreadable). */
export async function companyPolicies(db: Db, companyId: string): Promise<CompanyPolicies> {
  const company = await getCompany(db, companyId);
  return storedCompanyPolicies(company?.policies);
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
