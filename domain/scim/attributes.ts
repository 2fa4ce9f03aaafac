import { ScimUrn } from './constants';

/** An attribute definition as RFC 7643 §7 describes it; also served verbatim by `/Schemas`. */
export interface AttributeDefinition {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime' | 'binary';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDefinition[];
}

type Options = Partial<Omit<AttributeDefinition, 'name' | 'type' | 'description'>>;

function attr(
  name: string,
  type: AttributeDefinition['type'],
  description: string,
  options: Options = {},
): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

const str = (name: string, description: string, options?: Options) => attr(name, 'string', description, options);

/** value / display / type / primary, the sub-attributes of RFC 7643's multi-valued attributes (§2.4). */
function typedValues(
  name: string,
  description: string,
  types: string[],
  valueDescription: string,
  valueType: AttributeDefinition['type'] = 'string',
) {
  return attr(name, 'complex', description, {
    multiValued: true,
    subAttributes: [
      attr('value', valueType, valueDescription),
      str('display', 'A human-readable name, for display only.'),
      str('type', 'A label indicating the function, e.g. "work".', types.length > 0 ? { canonicalValues: types } : {}),
      attr('primary', 'boolean', 'Whether this is the primary value; true at most once.'),
    ],
  });
}

/**
 * The core User attributes (RFC 7643 §4.1), all of them: every one Entra can map is stored and answered exactly as
 * sent. `password` is accepted and never stored or returned. `groups` is left out: memberships are written and read
 * on the groups.
 */
export const userAttributes: readonly AttributeDefinition[] = [
  str(
    'userName',
    'Unique identifier of the user, typically the Entra userPrincipalName. Compared case-insensitively.',
    {
      required: true,
      uniqueness: 'server',
    },
  ),
  attr('name', 'complex', "The components of the user's name.", {
    subAttributes: [
      str('formatted', 'The full name.'),
      str('familyName', 'The family name (Entra surname).'),
      str('givenName', 'The given name.'),
      str('middleName', 'The middle name(s).'),
      str('honorificPrefix', 'The honorific prefix, e.g. "Ms.".'),
      str('honorificSuffix', 'The honorific suffix, e.g. "III".'),
    ],
  }),
  str('displayName', 'The name shown for the user.'),
  str('nickName', 'The casual name of the user.'),
  attr('profileUrl', 'reference', "A URI of the user's online profile.", { referenceTypes: ['external'] }),
  str('title', 'The job title.'),
  str('userType', 'The relationship to the organization, e.g. "Employee" or "Contractor".'),
  str('preferredLanguage', 'The preferred language, e.g. "sv-SE".'),
  str('locale', 'The default location for localisation, e.g. "sv-SE".'),
  str('timezone', 'The time zone, e.g. "Europe/Stockholm".'),
  attr('active', 'boolean', 'Whether the account is active; Entra sets false to disable (soft delete).'),
  str('password', 'Accepted and ignored: Joiner never stores or returns a password.', {
    mutability: 'writeOnly',
    returned: 'never',
  }),
  typedValues('emails', 'Email addresses.', ['work', 'home', 'other'], 'The email address.'),
  typedValues(
    'phoneNumbers',
    'Phone numbers, kept exactly as sent. Joiner also keeps the E.164 form of each one it can parse (national ' +
      "numbers in the company's default country) and flags the account when one cannot be parsed.",
    ['work', 'mobile', 'fax', 'pager', 'home', 'other'],
    'The phone number, in any form.',
  ),
  typedValues(
    'ims',
    'Instant messaging addresses.',
    ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'],
    'The address.',
  ),
  typedValues('photos', 'URLs of photos of the user.', ['photo', 'thumbnail'], 'The URL of the photo.', 'reference'),
  attr('addresses', 'complex', 'Physical mailing addresses.', {
    multiValued: true,
    subAttributes: [
      str('formatted', 'The full address.'),
      str('streetAddress', 'Street address.'),
      str('locality', 'City.'),
      str('region', 'State or region.'),
      str('postalCode', 'Postal code.'),
      str('country', 'Country (ISO 3166-1 alpha-2).'),
      str('type', 'A label indicating the function, e.g. "work".', { canonicalValues: ['work', 'home', 'other'] }),
      attr('primary', 'boolean', 'Whether this is the primary address.'),
    ],
  }),
  typedValues('entitlements', 'Entitlements of the user.', [], 'The entitlement.'),
  typedValues('roles', 'Roles of the user (Entra app role assignments).', [], 'The role.'),
  typedValues('x509Certificates', 'Certificates of the user (DER, base64).', [], 'The certificate.', 'binary'),
];

/** The enterprise extension attributes Joiner stores (RFC 7643 §4.3). */
export const enterpriseUserAttributes: readonly AttributeDefinition[] = [
  str('employeeNumber', 'The employee number.'),
  str('costCenter', 'The cost center.'),
  str('organization', 'The organization.'),
  str('division', 'The division.'),
  str('department', 'The department.'),
  attr('manager', 'complex', "The user's manager, another user of this application.", {
    subAttributes: [
      str('value', "The id of the manager's SCIM User resource.", { caseExact: true }),
      attr('$ref', 'reference', 'The URI of the manager resource.', { referenceTypes: ['User'] }),
      str('displayName', 'The display name of the manager.', { mutability: 'readOnly' }),
    ],
  }),
];

/** The Group attributes Joiner stores (RFC 7643 §4.2). */
export const groupAttributes: readonly AttributeDefinition[] = [
  str('displayName', 'Unique name of the group. Compared case-insensitively.', {
    required: true,
    uniqueness: 'server',
  }),
  attr('members', 'complex', 'The users in the group.', {
    multiValued: true,
    subAttributes: [
      str('value', 'The id of the member User resource.', { caseExact: true, mutability: 'immutable' }),
      attr('$ref', 'reference', 'The URI of the member resource.', {
        referenceTypes: ['User'],
        mutability: 'immutable',
      }),
      str('display', 'The display name of the member.', { mutability: 'readOnly' }),
      str('type', 'The type of member.', { canonicalValues: ['User'], mutability: 'immutable' }),
    ],
  }),
];

/** Attributes every resource has (RFC 7643 §3.1); not listed in `/Schemas` but addressable in filters and PATCH. */
export const commonAttributes: readonly AttributeDefinition[] = [
  str('id', 'Identifier assigned by Joiner.', { caseExact: true, mutability: 'readOnly', returned: 'always' }),
  str('externalId', 'Identifier assigned by the provisioning client (Entra), compared case-insensitively.'),
  attr('meta', 'complex', 'Resource metadata.', {
    mutability: 'readOnly',
    subAttributes: [
      str('resourceType', 'User or Group.', { mutability: 'readOnly' }),
      attr('created', 'dateTime', 'When the resource was created.', { mutability: 'readOnly' }),
      attr('lastModified', 'dateTime', 'When the resource was last changed.', { mutability: 'readOnly' }),
      attr('location', 'reference', 'The URI of the resource.', { mutability: 'readOnly' }),
    ],
  }),
];

/** The resource types of this endpoint and the schemas (core + extensions) each one carries. */
export const resourceSchemas = {
  User: {
    core: ScimUrn.User,
    extensions: { [ScimUrn.EnterpriseUser]: enterpriseUserAttributes },
    attributes: userAttributes,
  },
  Group: { core: ScimUrn.Group, extensions: {}, attributes: groupAttributes },
} as const satisfies Record<
  string,
  {
    core: string;
    extensions: Readonly<Record<string, readonly AttributeDefinition[]>>;
    attributes: readonly AttributeDefinition[];
  }
>;

/** `User` or `Group`. */
export type ResourceTypeName = keyof typeof resourceSchemas;
