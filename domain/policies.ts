import { z } from 'zod';

/** IANA time zone names the runtime knows (e.g. `Europe/Stockholm`). */
export const TimeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
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
