import type { AppTokenClaims } from './signing';

/** The caller of a Graph request, taken from its verified access token. */
export interface GraphCaller {
  tenantId: string;
  appId: string;
  roles: ReadonlySet<string>;
}

/** A Graph request as the handlers see it, whether it came over HTTP or as a `$batch` item. */
export interface GraphRequest {
  method: string;
  /** Path below `/v1.0`, starting with `/`, not decoded (segments are decoded by the router). */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON body; `undefined` when there was none. */
  body: unknown;
  /** Scheme, host and port the client used: links (`@odata.nextLink`) point back to it. */
  origin: string;
  caller: GraphCaller;
  requestId: string;
  clientRequestId: string;
}

export interface GraphResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON body, or a string sent as text/plain (`$count`). */
  body?: unknown;
}

export function callerFromClaims(claims: AppTokenClaims): GraphCaller {
  return { tenantId: claims.tid, appId: claims.appid, roles: new Set(claims.roles ?? []) };
}

/** The `innerError.date` format of Graph: UTC without fraction or zone suffix. */
export function graphDate(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '');
}

export interface GraphErrorDetail {
  code: string;
  message: string;
  target: string;
}

/** Graph's error codes the sandbox returns. */
export const GraphErrorCode = {
  badRequest: 'Request_BadRequest',
  odataBadRequest: 'BadRequest',
  notFound: 'Request_ResourceNotFound',
  unsupportedQuery: 'Request_UnsupportedQuery',
  denied: 'Authorization_RequestDenied',
  invalidToken: 'InvalidAuthenticationToken',
  tooManyRequests: 'TooManyRequests',
  failedDependency: 'FailedDependency',
  serviceUnavailable: 'ServiceUnavailable',
  internal: 'InternalServerError',
  methodNotAllowed: 'Request_BadRequest',
} as const;
export type GraphErrorCode = (typeof GraphErrorCode)[keyof typeof GraphErrorCode];

/** A Graph failure thrown by handlers and turned into Graph's error body by the router. */
export class GraphFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: GraphErrorDetail[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Graph's error body: `{ error: { code, message, details?, innerError: { date, request-id, client-request-id } } }`. */
export function graphErrorBody(
  failure: Pick<GraphFailure, 'code' | 'message' | 'details'>,
  requestId: string,
  clientRequestId: string,
): unknown {
  return {
    error: {
      code: failure.code,
      message: failure.message,
      ...(failure.details ? { details: failure.details } : {}),
      innerError: { date: graphDate(), 'request-id': requestId, 'client-request-id': clientRequestId },
    },
  };
}

/** 400 with one detail naming the property, the shape Graph uses for invalid property values. */
export function invalidValue(property: string, message?: string): GraphFailure {
  const text = message ?? `Invalid value specified for property '${property}' of resource 'User'.`;
  return new GraphFailure(400, GraphErrorCode.badRequest, text, [
    { code: 'InvalidValue', message: text, target: property },
  ]);
}

/** 400 `BadRequest` from Graph's OData layer (type conversion, unknown property). */
export function odataBadRequest(message: string): GraphFailure {
  return new GraphFailure(400, GraphErrorCode.odataBadRequest, message);
}

export function notFound(key: string): GraphFailure {
  return new GraphFailure(
    404,
    GraphErrorCode.notFound,
    `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

export function insufficientPrivileges(): GraphFailure {
  return new GraphFailure(403, GraphErrorCode.denied, 'Insufficient privileges to complete the operation.');
}

export function unsupportedQuery(message = 'Unsupported Query.'): GraphFailure {
  return new GraphFailure(400, GraphErrorCode.unsupportedQuery, message);
}
