/** Schema and message URNs of RFC 7643/7644 that Joiner speaks. */
export const ScimUrn = {
  User: 'urn:ietf:params:scim:schemas:core:2.0:User',
  EnterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  Group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  ListResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  PatchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  Error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  ServiceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  ResourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  Schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;
export type ScimUrn = (typeof ScimUrn)[keyof typeof ScimUrn];

/** The media type of every SCIM response (RFC 7644 §3.1). */
export const scimContentType = 'application/scim+json; charset=utf-8';

/** Paging limits: `count` defaults to the first and is capped at the second (advertised as filter.maxResults). */
export const scimPaging = { defaultCount: 100, maxResults: 1000 } as const;
