import { enterpriseUserAttributes, groupAttributes, userAttributes, type AttributeDefinition } from './attributes';
import { ScimUrn, scimPaging } from './constants';

/** The largest request body the SCIM endpoint accepts, in bytes (advertised as bulk.maxPayloadSize). */
export const scimMaxBodyBytes = 1024 * 1024;

function meta(resourceType: string, location: string) {
  return { resourceType, location };
}

/** `GET /ServiceProviderConfig` (RFC 7643 §5): exactly what this endpoint supports. Pure. */
export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: [ScimUrn.ServiceProviderConfig],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: scimPaging.maxResults },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: 'A secret token made on the Access tokens page, sent as "Authorization: Bearer <token>".',
        primary: true,
      },
    ],
    meta: meta('ServiceProviderConfig', `${baseUrl}/ServiceProviderConfig`),
  };
}

/** The `/ResourceTypes` entries (RFC 7643 §6). Pure. */
export function resourceTypes(baseUrl: string) {
  return [
    {
      schemas: [ScimUrn.ResourceType],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'A user account provisioned by Microsoft Entra ID',
      schema: ScimUrn.User,
      schemaExtensions: [{ schema: ScimUrn.EnterpriseUser, required: false }],
      meta: meta('ResourceType', `${baseUrl}/ResourceTypes/User`),
    },
    {
      schemas: [ScimUrn.ResourceType],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'A group of users provisioned by Microsoft Entra ID',
      schema: ScimUrn.Group,
      schemaExtensions: [],
      meta: meta('ResourceType', `${baseUrl}/ResourceTypes/Group`),
    },
  ];
}

function schema(
  id: string,
  name: string,
  description: string,
  attributes: readonly AttributeDefinition[],
  baseUrl: string,
) {
  return {
    schemas: [ScimUrn.Schema],
    id,
    name,
    description,
    attributes,
    meta: meta('Schema', `${baseUrl}/Schemas/${id}`),
  };
}

/** The `/Schemas` entries (RFC 7643 §7), generated from the same definitions that validate input. Pure. */
export function schemaDocuments(baseUrl: string) {
  return [
    schema(ScimUrn.User, 'User', 'User account', userAttributes, baseUrl),
    schema(ScimUrn.EnterpriseUser, 'EnterpriseUser', 'Enterprise user', enterpriseUserAttributes, baseUrl),
    schema(ScimUrn.Group, 'Group', 'Group', groupAttributes, baseUrl),
  ];
}
