import { z } from 'zod';
import { formatIssuePath } from './validation-issues';

/**
 * Time zone names already found valid. Building an Intl.DateTimeFormat costs about half a millisecond, and stored
 * policies are parsed again for every HR event the relay delivers; the runtime's zones do not change while it runs.
 */
const validTimeZones = new Set<string>();

/** IANA time zone names the runtime knows (e.g. `Europe/Stockholm`). */
export const TimeZone = z.string().refine(
  (tz) => {
    if (validTimeZones.has(tz)) return true;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
    } catch {
      return false;
    }
    // Bounded: Intl also takes any capitalisation of a name.
    if (validTimeZones.size >= 1_000) validTimeZones.clear();
    validTimeZones.add(tz);
    return true;
  },
  { error: 'must be an IANA time zone such as Europe/Stockholm' },
);

/** Per-company lifecycle policies (docs/mapping.md). By default offboarding only sets the leave date. */
export const CompanyPolicies = z.object({
  timeZone: TimeZone.default('UTC'),
  /** null: create the Entra user at once; N: create it N days before the hire date (a durable timer). */
  provisionLeadDays: z.number().int().min(0).max(365).nullable().default(null),
  disableAccountAtLeave: z.boolean().default(false),
  revokeSessionsAtLeave: z.boolean().default(false),
  /** null: never delete; N: delete the Entra user N days after the leave moment. */
  deleteAfterLeaveDays: z.number().int().min(0).max(3650).nullable().default(null),
  /**
   * Entra → HR (SCIM): country (ISO 3166-1 alpha-2, e.g. `SE`) in which phone numbers Entra sends without a country
   * code are read for their E.164 form. Unset: such numbers have no E.164 form and flag the account. Either way the
   * number is kept and answered exactly as sent.
   */
  phoneDefaultCountry: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as SE')
    .nullable()
    .optional(),
  /**
   * Entra → HR (SCIM): unset or null: a user Entra deletes is removed at once; N: it disappears from SCIM at once and
   * its data is removed N days later by the account workflow (a durable timer).
   */
  scimDeletedUserRetentionDays: z.number().int().min(1).max(3650).nullable().optional(),
});
export type CompanyPolicies = z.infer<typeof CompanyPolicies>;

export const defaultCompanyPolicies: CompanyPolicies = CompanyPolicies.parse({});

/**
 * A company's policies as stored (JSON), read for use: parsing again fills in the defaults of policies added since
 * they were stored; a stored value that no longer parses (or none) gives the defaults, so one bad row never stops
 * the lifecycle or SCIM.
 */
export function storedCompanyPolicies(stored: unknown): CompanyPolicies {
  const parsed = CompanyPolicies.safeParse(stored ?? {});
  return parsed.success ? parsed.data : defaultCompanyPolicies;
}

/** A problem with one policy of a change: the policy's name (or `(body)`) and what is wrong, for a 400 or a form. */
export interface PolicyProblem {
  field: string;
  message: string;
}

export type PolicyChangeResult = { ok: true; policies: CompanyPolicies } | { ok: false; problems: PolicyProblem[] };

/**
 * Applies a change, some policies by name (from the admin API), to the company's current policies and checks the
 * whole result. A policy the change does not name keeps its value; null is a
 * value ("at once", "never", "unset"), not "unchanged". An unknown name or a bad value is a problem naming the field.
 */
export function applyPolicyChange(current: CompanyPolicies, change: unknown): PolicyChangeResult {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) {
    return { ok: false, problems: [{ field: '(body)', message: 'must be an object of policies by name' }] };
  }
  const parsed = CompanyPolicies.strict().safeParse({ ...current, ...change });
  if (parsed.success) return { ok: true, policies: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ field: key, message: 'is not a policy' }))
        : [{ field: formatIssuePath(issue.path), message: issue.message }],
    ),
  };
}
