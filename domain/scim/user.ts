import { ScimUrn } from './constants';
import { coerceResourceData, type ResourceData } from './coerce';
import { ScimError, ScimType } from './errors';
import { toE164, type CountryCode } from './phone';

/** Company settings that shape how a user is stored. */
export interface UserRules {
  /** Country for phone numbers written without a country code; without one they must start with +. */
  defaultCountry?: CountryCode | undefined;
}

/** The columns a stored SCIM user is found by; derived from its data on every write. */
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
}

type Typed = { value?: unknown; type?: unknown; primary?: unknown };

const invalidValue = (detail: string) => ScimError.badRequest(ScimType.invalidValue, detail);

function normalisePhones(data: ResourceData, rules: UserRules): void {
  const phones = data.phoneNumbers as Typed[] | undefined;
  if (!phones) return;
  data.phoneNumbers = phones
    .filter((p) => typeof p.value === 'string' && p.value.trim() !== '')
    .map((p) => {
      const e164 = toE164(p.value as string, rules.defaultCountry);
      if (e164 === undefined) {
        const where = typeof p.type === 'string' ? `phoneNumbers[type eq "${p.type}"].value` : 'phoneNumbers.value';
        throw invalidValue(
          `attribute "${where}" is not a phone number that can be written in E.164 (e.g. +16175551212)` +
            (rules.defaultCountry ? '' : '; numbers without a country code need a leading +'),
        );
      }
      return { ...p, value: e164 };
    });
  if ((data.phoneNumbers as unknown[]).length === 0) delete data.phoneNumbers;
}

function normaliseManager(data: ResourceData): void {
  const ext = data[ScimUrn.EnterpriseUser] as Record<string, unknown> | undefined;
  if (!ext) return;
  const manager = ext.manager as { value?: unknown } | undefined;
  if (manager !== undefined) {
    // Entra clears the manager with {"value": ""}; answer the manager only as {"value": id}.
    const id = typeof manager.value === 'string' ? manager.value.trim() : '';
    if (id === '') delete ext.manager;
    else ext.manager = { value: id };
  }
  if (Object.keys(ext).length === 0) delete data[ScimUrn.EnterpriseUser];
}

function dropEmptyLists(data: ResourceData): void {
  for (const key of ['emails', 'addresses'] as const) {
    const list = data[key] as unknown[] | undefined;
    if (list && list.length === 0) delete data[key];
  }
}

/**
 * Validates and normalises a user's attributes after a create, replace or PATCH: userName present, phone numbers in
 * E.164, manager as `{ value }` (an empty value removes it), `active` defaulting to true. Pure; returns a new object.
 * @throws ScimError 400 `invalidValue` naming the attribute
 */
export function finaliseUser(candidate: unknown, rules: UserRules): ResourceData {
  const data = coerceResourceData('User', candidate);
  const userName = typeof data.userName === 'string' ? data.userName.trim() : '';
  if (userName === '') throw invalidValue('attribute "userName" is required');
  data.userName = userName;
  if (data.active === undefined) data.active = true;
  normalisePhones(data, rules);
  normaliseManager(data);
  dropEmptyLists(data);
  return data;
}

/** Derives the indexed columns of a finalised user. Pure. */
export function userKeys(data: ResourceData): UserKeys {
  const emails = (data.emails as Typed[] | undefined) ?? [];
  const work = emails.find((e) => typeof e.type === 'string' && e.type.toLowerCase() === 'work');
  const link = work ?? emails.find((e) => e.primary === true) ?? emails[0];
  const manager = (data[ScimUrn.EnterpriseUser] as { manager?: { value?: string } } | undefined)?.manager;
  return {
    userName: data.userName as string,
    externalId: typeof data.externalId === 'string' && data.externalId !== '' ? data.externalId : null,
    displayName: typeof data.displayName === 'string' ? data.displayName : null,
    active: data.active !== false,
    workEmail: typeof work?.value === 'string' ? work.value : null,
    linkEmail: typeof link?.value === 'string' ? link.value : null,
    managerId: manager?.value ?? null,
  };
}

/** What the store keeps of a SCIM resource besides its data. */
export interface StoredResourceMeta {
  id: string;
  created: Date;
  lastModified: Date;
  version: number;
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
    meta: {
      resourceType: 'User',
      created: meta.created.toISOString(),
      lastModified: meta.lastModified.toISOString(),
      location: `${baseUrl}/Users/${meta.id}`,
      version: `W/"${meta.version}"`,
    },
  };
}

/** True when an externalId looks like an Entra object id (a GUID), the anchor HR → Entra links by. */
export function isEntraObjectId(externalId: string | null | undefined): externalId is string {
  return (
    typeof externalId === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(externalId)
  );
}
