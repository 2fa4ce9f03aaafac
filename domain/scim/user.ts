import { ScimUrn } from './constants';
import { coerceResourceData, type ResourceData } from './coerce';
import { ScimError, ScimType } from './errors';
import { toE164, type CountryCode } from './phone';
import type { StoredResourceMeta } from './resource-meta';
import { resourceMeta } from './resource-meta';

/** Company settings that shape how a user is read for HR use. */
export interface UserRules {
  /** Country for phone numbers written without a country code; without one only numbers with a + parse. */
  defaultCountry?: CountryCode | undefined;
}

/** One phone number as HR-side code reads it: its type and its E.164 form, or null when it cannot be parsed. */
export interface UserPhoneNumber {
  type: string | null;
  e164: string | null;
}

/** The columns a stored SCIM user is found and read by; derived from its data on every write. */
export interface UserKeys {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  active: boolean;
  /** The `emails[type eq "work"].value`, indexed for Entra's email filter. */
  workEmail: string | null;
  /** The address to match an HR employee by: the work email, else the primary one, else the first one. */
  linkEmail: string | null;
  managerId: string | null;
  /** Every phone number that has a value, in the resource's order, with its E.164 form where it parses. */
  phoneNumbers: UserPhoneNumber[];
  /** True when some phone number could not be parsed (the account is flagged for an administrator). */
  phoneNumbersUnparsable: boolean;
}

type Typed = { value?: unknown; type?: unknown; primary?: unknown };

const invalidValue = (detail: string) => ScimError.badRequest(ScimType.invalidValue, detail);

function normaliseManager(data: ResourceData): void {
  const ext = data[ScimUrn.EnterpriseUser] as Record<string, unknown> | undefined;
  if (!ext) return;
  const manager = ext.manager as { value?: unknown } | undefined;
  if (manager !== undefined) {
    // Entra clears the manager with {"value": ""}; answer the manager only as {"value": id}.
    if (typeof manager.value !== 'string' || manager.value.trim() === '') delete ext.manager;
    else ext.manager = { value: manager.value };
  }
  if (Object.keys(ext).length === 0) delete data[ScimUrn.EnterpriseUser];
}

/** Empty lists and complex values are the same as absent (RFC 7643 §2.5); absent is how they are kept. */
function dropEmptyValues(data: ResourceData): void {
  for (const [key, value] of Object.entries(data)) {
    if (
      Array.isArray(value)
        ? value.length === 0
        : value !== null && typeof value === 'object' && Object.keys(value).length === 0
    ) {
      delete data[key];
    }
  }
}

/**
 * Validates a user's attributes after a create, replace or PATCH and puts them in the form they are kept in: every
 * value exactly as sent (phone numbers included), booleans as booleans, manager as `{ value }` (an empty value
 * removes it), `active` defaulting to true, empty lists left out. Pure; returns a new object.
 * @throws ScimError 400 `invalidValue` naming the attribute
 */
export function finaliseUser(candidate: unknown): ResourceData {
  const data = coerceResourceData('User', candidate);
  if (typeof data.userName !== 'string' || data.userName.trim() === '') {
    throw invalidValue('attribute "userName" is required');
  }
  if (data.active === undefined) data.active = true;
  normaliseManager(data);
  dropEmptyValues(data);
  return data;
}

function phoneNumbersOf(data: ResourceData, rules: UserRules): UserPhoneNumber[] {
  const phones = (data.phoneNumbers as Typed[] | undefined) ?? [];
  return phones
    .filter((p): p is Typed & { value: string } => typeof p.value === 'string' && p.value.trim() !== '')
    .map((p) => ({
      type: typeof p.type === 'string' ? p.type : null,
      e164: toE164(p.value, rules.defaultCountry) ?? null,
    }));
}

/** Derives the columns of a finalised user; phone numbers are parsed with the company's rules. Pure. */
export function userKeys(data: ResourceData, rules: UserRules): UserKeys {
  const emails = (data.emails as Typed[] | undefined) ?? [];
  const work = emails.find((e) => typeof e.type === 'string' && e.type.toLowerCase() === 'work');
  const link = work ?? emails.find((e) => e.primary === true) ?? emails[0];
  const manager = (data[ScimUrn.EnterpriseUser] as { manager?: { value?: string } } | undefined)?.manager;
  const phoneNumbers = phoneNumbersOf(data, rules);
  return {
    userName: data.userName as string,
    externalId: typeof data.externalId === 'string' && data.externalId !== '' ? data.externalId : null,
    displayName: typeof data.displayName === 'string' ? data.displayName : null,
    active: data.active !== false,
    workEmail: typeof work?.value === 'string' ? work.value : null,
    linkEmail: typeof link?.value === 'string' ? link.value : null,
    managerId: manager?.value ?? null,
    phoneNumbers,
    phoneNumbersUnparsable: phoneNumbers.some((p) => p.e164 === null),
  };
}

/**
 * The SCIM representation of a stored user (before `attributes` / `excludedAttributes`): schemas, id, the data,
 * and meta with its location under `baseUrl` (the `/scim/v2` URL). Pure.
 */
export function userResource(data: ResourceData, meta: StoredResourceMeta, baseUrl: string): Record<string, unknown> {
  const schemas = data[ScimUrn.EnterpriseUser] ? [ScimUrn.User, ScimUrn.EnterpriseUser] : [ScimUrn.User];
  return {
    schemas,
    id: meta.id,
    ...data,
    meta: resourceMeta('User', meta, baseUrl),
  };
}

/** True when an externalId looks like an Entra object id (a GUID), the anchor HR → Entra links by. */
export function isEntraObjectId(externalId: string | null | undefined): externalId is string {
  return (
    typeof externalId === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(externalId)
  );
}
