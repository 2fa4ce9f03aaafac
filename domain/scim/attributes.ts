import { ScimUrn } from './constants';

/** An attribute definition as RFC 7643 §7 describes it; also served verbatim by `/Schemas`. */
export interface AttributeDefinition {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime';
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

/** value / type / primary, the sub-attributes of the multi-valued attributes Entra writes by type. */
function typedValues(name: string, description: string, types: string[], valueDescription: string) {
  return attr(name, 'complex', description, {
    multiValued: true,
    subAttributes: [
      str('value', valueDescription),
      str('type', 'A label indicating the function, e.g. "work".', { canonicalValues: types }),
      attr('primary', 'boolean', 'Whether this is the primary value; true at most once.'),
    ],
  });
}

/** The core User attributes Joiner stores (RFC 7643 §4.1, narrowed to what Entra maps for this application). */
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
    ],
  }),
  str('displayName', 'The name shown for the user.'),
  str('title', 'The job title.'),
  str('preferredLanguage', 'The preferred language, e.g. "sv-SE".'),
  attr('active', 'boolean', 'Whether the account is active; Entra sets false to disable (soft delete).'),
  typedValues('emails', 'Email addresses.', ['work', 'home', 'other'], 'The email address.'),
  typedValues(
    'phoneNumbers',
    'Phone numbers, stored in E.164 (e.g. +16175551212); numbers without a country code use the company country.',
    ['work', 'mobile', 'fax', 'home', 'other'],
    'The phone number in E.164.',
  ),
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
