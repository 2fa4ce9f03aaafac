/** What the store keeps of a SCIM resource besides its data. */
export interface StoredResourceMeta {
  id: string;
  created: Date;
  lastModified: Date;
  version: number;
}

/**
 * A resource's `meta` (RFC 7644 §3.1): its type, times, location under `baseUrl` (the `/scim/v2` URL) and its version
 * as a weak ETag. Pure.
 */
export function resourceMeta(resourceType: 'User' | 'Group', meta: StoredResourceMeta, baseUrl: string) {
  return {
    resourceType,
    created: meta.created.toISOString(),
    lastModified: meta.lastModified.toISOString(),
    location: `${baseUrl}/${resourceType}s/${meta.id}`,
    version: `W/"${meta.version}"`,
  };
}
