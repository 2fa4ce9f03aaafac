import { z } from 'zod';

import { storableString } from './storable-text';
import { formatIssues } from './validation-issues';

/** "is required" when the value is missing, else `message`: zod's default names the JS type, not the problem. */
const requiredOr =
  (message: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined || issue.input === null ? 'is required' : message;

/** A calendar date as HR sends it: `YYYY-MM-DD`, a real day of the Gregorian calendar. */
export const IsoDate = z.iso.date({ error: 'must be a date as YYYY-MM-DD' });

/** HR strings: trimmed; an empty string means "no value", as null does. */
const hrText = (max: number) =>
  storableString({ error: 'must be text' })
    .trim()
    .max(max, { error: `must be at most ${max} characters` })
    .transform((v) => (v === '' ? null : v))
    .nullish()
    .transform((v) => v ?? null);

const hrDate = z
  .union([IsoDate, z.literal('')], { error: 'must be a date as YYYY-MM-DD' })
  .nullish()
  .transform((v) => (v ? v : null));

export const HrHomeAddress = z.object(
  {
    street: hrText(1024),
    zipCode: hrText(40),
    city: hrText(128),
    country: hrText(128),
  },
  { error: 'must be an object' },
);
export type HrHomeAddress = z.infer<typeof HrHomeAddress>;

/**
 * The HR snapshot of one employee (docs/hr-webhook.md, Body). Every field but `id` and `version` may be missing or null;
 * after parsing, missing and empty values are `null`, so the snapshot is the whole truth.
 */
export const HrEmployee = z.object(
  {
    id: storableString({ error: requiredOr('must be a string') })
      .trim()
      .min(1, { error: 'is required', abort: true })
      .max(128, { error: 'must be at most 128 characters' })
      .regex(/^[A-Za-z0-9._:@-]+$/, { error: 'may contain only letters, digits and . _ : @ -' }),
    version: z
      .number({ error: requiredOr('must be a number') })
      .int({ error: 'must be a whole number' })
      .nonnegative({ error: 'must not be negative' })
      .max(Number.MAX_SAFE_INTEGER, { error: 'is too large' }),
    firstName: hrText(64),
    lastName: hrText(64),
    // Lower case: Entra compares userPrincipalName and mail case-insensitively, and so does the domain rule.
    // The HTML5 address pattern admits the characters Entra allows in a UPN alias (' ! # ^ ~ …); what Entra refuses
    // (e.g. +) is reported by the creation-eligibility rule with a reason, not refused at the webhook.
    workEmail: storableString({ error: 'must be an email address' })
      .trim()
      .pipe(
        z.union([
          z
            .email({ pattern: z.regexes.html5Email, error: 'must be an email address' })
            .max(256, { error: 'must be at most 256 characters' }),
          z.literal(''),
        ]),
      )
      .nullish()
      .transform((v) => (v ? v.toLowerCase() : null)),
    title: hrText(128),
    department: hrText(64),
    organization: hrText(64),
    office: hrText(128),
    workPhone: hrText(64),
    reportsTo: hrText(128),
    homeAddress: HrHomeAddress.nullish().transform((v) => v ?? null),
    hireDate: hrDate,
    offboardedDate: hrDate,
  },
  { error: requiredOr('must be an object') },
);
export type HrEmployee = z.infer<typeof HrEmployee>;

export const HrEventType = z.enum(
  [
    'employee.created',
    'employee.updated',
    'employee.onboarded',
    'employee.offboarded',
    'employee.offboarding_cancelled',
    'employee.deleted',
  ],
  {
    error: requiredOr(
      'must be one of employee.created, employee.updated, employee.onboarded, employee.offboarded, employee.offboarding_cancelled, employee.deleted',
    ),
  },
);
export type HrEventType = z.infer<typeof HrEventType>;

/** The body of `POST /webhooks/alexis` (docs/hr-webhook.md). */
export const HrWebhookEvent = z.object(
  {
    id: storableString({ error: requiredOr('must be a string') })
      .trim()
      .min(1, { error: 'is required', abort: true })
      .max(128, { error: 'must be at most 128 characters' }),
    type: HrEventType,
    occurredAt: z.iso.datetime({ offset: true, error: requiredOr('must be an ISO 8601 date-time') }),
    companyId: storableString({ error: requiredOr('must be a string') })
      .trim()
      .min(1, { error: 'is required', abort: true })
      .max(64, { error: 'must be at most 64 characters' })
      .regex(/^[A-Za-z0-9_-]+$/, { error: 'may contain only letters, digits, _ and -' }),
    data: z.object({ employee: HrEmployee }, { error: requiredOr('must be an object') }),
  },
  { error: 'must be a JSON object' },
);
export type HrWebhookEvent = z.infer<typeof HrWebhookEvent>;

/** The outcome of {@link parseHrWebhookEvent}: the event, or one message per problem naming its field. */
export type HrWebhookEventParse = { success: true; event: HrWebhookEvent } | { success: false; problems: string[] };

/**
 * Validates a webhook body. Problems read `data.employee.hireDate: must be a date as YYYY-MM-DD`, ready for a 400.
 */
export function parseHrWebhookEvent(body: unknown): HrWebhookEventParse {
  const result = HrWebhookEvent.safeParse(body);
  return result.success
    ? { success: true, event: result.data }
    : { success: false, problems: formatIssues(result.error) };
}
