import { ScimUrn } from './constants';

/** The `scimType` values of RFC 7644 §3.12 that Joiner answers with. */
export const ScimType = {
  invalidFilter: 'invalidFilter',
  tooMany: 'tooMany',
  uniqueness: 'uniqueness',
  mutability: 'mutability',
  invalidSyntax: 'invalidSyntax',
  invalidPath: 'invalidPath',
  noTarget: 'noTarget',
  invalidValue: 'invalidValue',
} as const;
export type ScimType = (typeof ScimType)[keyof typeof ScimType];

/**
 * A SCIM protocol error: an HTTP status, an optional `scimType` and a detail that is safe to show to the caller
 * (it is sent as the RFC 7644 error body). Thrown by the pure SCIM domain code and the SCIM routes.
 */
export class ScimError extends Error {
  override readonly name = 'ScimError';
  readonly expose = true;
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
  }

  /** 400 with a scimType. */
  static badRequest(scimType: ScimType, detail: string): ScimError {
    return new ScimError(400, detail, scimType);
  }

  static notFound(detail: string): ScimError {
    return new ScimError(404, detail);
  }

  static conflict(detail: string): ScimError {
    return new ScimError(409, detail, ScimType.uniqueness);
  }
}

/** The RFC 7644 §3.12 error body; `status` is a string, as the RFC's examples and Entra expect. */
export interface ScimErrorBody {
  schemas: [typeof ScimUrn.Error];
  status: string;
  scimType?: ScimType;
  detail: string;
}

/** Builds the error body for a status, detail and optional scimType. */
export function scimErrorBody(status: number, detail: string, scimType?: ScimType): ScimErrorBody {
  return { schemas: [ScimUrn.Error], status: String(status), ...(scimType ? { scimType } : {}), detail };
}
