import type { GraphCaller } from './graph-http';
import { GraphErrorCode, GraphFailure, insufficientPrivileges, invalidValue, odataBadRequest } from './graph-http';
import type { SandboxTenant } from './state';
import { PropType, userProperties, userWritePermissions } from './user-schema';

const upnAliasPattern = /^[A-Za-z0-9'.\-_!#^~]+$/;
// ASCII only, none of @ ( ) \ [ ] " ; : < > , and no space or control characters.
const mailNicknamePattern = /^[\x21-\x7e]+$/;
const mailNicknameForbidden = /[@()\\[\]";:<>,]/;
const mailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const dateTimeOffsetPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Body fields that are OData annotations rather than properties (e.g. `@odata.type`); Graph ignores them. */
function isAnnotation(key: string): boolean {
  return key.startsWith('@') || key.includes('@odata.');
}

function literal(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function cannotConvert(value: unknown, type: string): GraphFailure {
  return odataBadRequest(`Cannot convert the literal '${literal(value)}' to the expected type '${type}'.`);
}

/** Parses an Edm.DateTimeOffset literal and returns it in Graph's output form (UTC, seconds, `Z`). */
export function parseDateTimeOffset(value: string): string | undefined {
  if (!dateTimeOffsetPattern.test(value)) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return undefined;
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function hasAny(caller: GraphCaller, permissions: readonly string[]): boolean {
  return permissions.some((p) => caller.roles.has(p));
}

/** The write needs User.ReadWrite.All unless every property it sets has its own narrower permission. */
export function assertCanWrite(caller: GraphCaller, properties: string[]): void {
  const generic = hasAny(caller, userWritePermissions);
  for (const name of properties) {
    const special = userProperties[name]?.writePermissions;
    if (special ? !hasAny(caller, special) : !generic) throw insufficientPrivileges();
  }
  if (properties.length === 0 && !generic) throw insufficientPrivileges();
}

function checkPassword(password: unknown): void {
  if (typeof password !== 'string') throw cannotConvert(password, PropType.string);
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (password.length < 8 || password.length > 256 || classes < 3) {
    throw new GraphFailure(
      400,
      GraphErrorCode.badRequest,
      'The specified password does not comply with password complexity requirements. Please provide a different password.',
      [
        {
          code: 'InvalidValue',
          message: 'The specified password does not comply with password complexity requirements.',
          target: 'passwordProfile.password',
        },
      ],
    );
  }
}

/** Checks userPrincipalName's form and that its domain is a verified domain of the tenant. */
export function checkUserPrincipalName(tenant: SandboxTenant, value: string): string {
  const at = value.lastIndexOf('@');
  const alias = value.slice(0, at);
  const domain = value.slice(at + 1).toLowerCase();
  if (
    at <= 0 ||
    alias.length > 64 ||
    !upnAliasPattern.test(alias) ||
    alias.startsWith('.') ||
    alias.endsWith('.') ||
    alias.includes('..')
  ) {
    throw invalidValue('userPrincipalName', 'Property userPrincipalName is invalid.');
  }
  if (!tenant.domains.some((d) => d.id === domain && d.isVerified)) {
    throw invalidValue(
      'userPrincipalName',
      'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.',
    );
  }
  return `${alias}@${domain}`;
}

/** Validates one property value; returns the value to store. */
function checkProperty(tenant: SandboxTenant, name: string, value: unknown): unknown {
  const prop = userProperties[name]!;
  if (prop.type === PropType.passwordProfile) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw cannotConvert(value, prop.type);
    const profile = value as Record<string, unknown>;
    if (profile['password'] !== undefined) checkPassword(profile['password']);
    const force = profile['forceChangePasswordNextSignIn'] ?? false;
    if (typeof force !== 'boolean') throw cannotConvert(force, PropType.boolean);
    // The password itself is validated and dropped: the sandbox never stores or returns it.
    return { forceChangePasswordNextSignIn: force };
  }
  if (value === null) {
    if (name === 'displayName' || name === 'mail' || name === 'mailNickname' || name === 'userPrincipalName') {
      throw invalidValue(name);
    }
    if (name === 'accountEnabled') throw cannotConvert(value, prop.type);
    return prop.type === PropType.stringCollection ? [] : null;
  }
  switch (prop.type) {
    case PropType.boolean:
      if (typeof value !== 'boolean') throw cannotConvert(value, prop.type);
      return value;
    case PropType.dateTimeOffset: {
      const parsed = typeof value === 'string' ? parseDateTimeOffset(value) : undefined;
      if (parsed === undefined) throw cannotConvert(value, prop.type);
      return parsed;
    }
    case PropType.stringCollection: {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw cannotConvert(value, prop.type);
      const items = value as string[];
      if (name === 'businessPhones' && items.length > 1) throw invalidValue(name);
      if (name === 'businessPhones' && items.some((v) => v.length > 64)) throw invalidValue(name);
      if (name === 'otherMails' && items.some((v) => !mailPattern.test(v))) throw invalidValue(name);
      return items;
    }
    default:
      break;
  }
  if (typeof value !== 'string') throw cannotConvert(value, prop.type);
  if (prop.maxLength !== undefined && value.length > prop.maxLength) throw invalidValue(name);
  switch (name) {
    case 'displayName':
      if (value.trim() === '') throw invalidValue(name);
      return value;
    case 'mailNickname':
      if (!mailNicknamePattern.test(value) || mailNicknameForbidden.test(value)) throw invalidValue(name);
      return value;
    case 'mail':
      if (!mailPattern.test(value)) throw invalidValue(name);
      return value;
    case 'userPrincipalName':
      return checkUserPrincipalName(tenant, value);
    case 'usageLocation':
      if (!/^[A-Za-z]{2}$/.test(value)) throw invalidValue(name);
      return value.toUpperCase();
    default:
      return value;
  }
}

/**
 * Validates a POST or PATCH body against the user type: unknown and read-only properties, types, formats, lengths,
 * and the permission each property needs. Returns the values to store. Nothing is written when it throws.
 */
export function validateUserWrite(
  tenant: SandboxTenant,
  caller: GraphCaller,
  body: unknown,
  mode: 'create' | 'update',
): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw odataBadRequest(
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
  const input = body as Record<string, unknown>;
  const names = Object.keys(input).filter((k) => !isAnnotation(k));
  for (const name of names) {
    const prop = userProperties[name];
    if (!prop) {
      throw odataBadRequest(
        `The property '${name}' does not exist on type 'microsoft.graph.user'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      );
    }
  }
  assertCanWrite(caller, names);
  for (const name of names) {
    if (userProperties[name]!.readOnly) {
      throw new GraphFailure(400, GraphErrorCode.badRequest, `Property '${name}' is read-only and cannot be set.`);
    }
  }

  if (mode === 'create') {
    for (const required of ['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName']) {
      if (input[required] === undefined) throw invalidValue(required);
    }
    const profile = input['passwordProfile'] as Record<string, unknown> | undefined;
    if (typeof profile !== 'object' || profile === null || profile['password'] === undefined) {
      throw new GraphFailure(400, GraphErrorCode.badRequest, 'A password must be specified to create a new user.', [
        {
          code: 'PropertyNotNullable',
          message: 'A password must be specified to create a new user.',
          target: 'passwordProfile',
        },
      ]);
    }
  }

  const values: Record<string, unknown> = {};
  for (const name of names) values[name] = checkProperty(tenant, name, input[name]);
  return values;
}
