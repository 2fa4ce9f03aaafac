import { ScimUrn, scimPaging } from './constants';
import { ScimError, ScimType } from './errors';

/** A 1-based page: `startIndex` ≥ 1, `count` between 0 and {@link scimPaging.maxResults}. */
export interface Page {
  startIndex: number;
  count: number;
}

function integer(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  if (!/^-?\d{1,9}$/.test(text.trim())) {
    throw ScimError.badRequest(ScimType.invalidValue, `"${name}" must be an integer`);
  }
  return Number(text.trim());
}

/**
 * Reads `startIndex` and `count` (RFC 7644 §3.4.2.4): a startIndex below 1 is read as 1, a negative count as 0,
 * a count above the maximum is capped. Pure.
 * @throws ScimError 400 `invalidValue` when either is not an integer
 */
export function parsePage(startIndex?: string, count?: string): Page {
  const start = integer(startIndex, 'startIndex') ?? 1;
  const n = integer(count, 'count') ?? scimPaging.defaultCount;
  return { startIndex: Math.max(1, start), count: Math.min(Math.max(0, n), scimPaging.maxResults) };
}

/** The ListResponse body of RFC 7644 §3.4.2. */
export function listResponse(resources: unknown[], totalResults: number, page: Page) {
  return {
    schemas: [ScimUrn.ListResponse],
    totalResults,
    itemsPerPage: resources.length,
    startIndex: page.startIndex,
    Resources: resources,
  };
}
