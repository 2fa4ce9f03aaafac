import { z } from 'zod';

/** A calendar date as HR sends it: `YYYY-MM-DD`, a real day of the Gregorian calendar. */
export const IsoDate = z.iso.date({ error: 'must be a date as YYYY-MM-DD' });

/** HR strings: trimmed; an empty string means "no value", as null does. */
const hrText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { error: `must be at most ${max} characters` })
    .transform((v) => (v === '' ? null : v))
    .nullish()
    .transform((v) => v ?? null);

const hrDate = z
  .union([IsoDate, z.literal('')])
  .nullish()
  .transform((v) => (v ? v : null));

export const HrHomeAddress = z.object({
  street: hrText(1024),
  zipCode: hrText(40),
  city: hrText(128),
  country: hrText(128),
});
export type HrHomeAddress = z.infer<typeof HrHomeAddress>;

/**
 * The HR snapshot of one employee (DESIGN.md §3.1). Every field but `id` and `version` may be missing or null;
 * after parsing, missing and empty values are `null`, so the snapshot is the whole truth.
 */
export const HrEmployee = z.object({
  id: z
    .string()
    .trim()
    .min(1, { error: 'is required' })
    .max(128)
    .regex(/^[A-Za-z0-9._:@-]+$/, { error: 'may contain only letters, digits and . _ : @ -' }),
  version: z.number({ error: 'must be a number' }).int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  firstName: hrText(64),
  lastName: hrText(64),
  workEmail: z
    .union([z.email({ error: 'must be an email address' }).max(256), z.literal('')])
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
});
export type HrEmployee = z.infer<typeof HrEmployee>;

export const HrEventType = z.enum([
  'employee.created',
  'employee.updated',
  'employee.onboarded',
  'employee.offboarded',
  'employee.offboarding_cancelled',
  'employee.deleted',
]);
export type HrEventType = z.infer<typeof HrEventType>;

/** The body of `POST /webhooks/alexis` (DESIGN.md §3.1). */
export const HrWebhookEvent = z.object({
  id: z.string().trim().min(1, { error: 'is required' }).max(128),
  type: HrEventType,
  occurredAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }),
  companyId: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, { error: 'may contain only letters, digits, _ and -' }),
  data: z.object({ employee: HrEmployee }),
});
export type HrWebhookEvent = z.infer<typeof HrWebhookEvent>;
