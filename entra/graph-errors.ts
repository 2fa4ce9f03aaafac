import { GraphError } from '@microsoft/microsoft-graph-client';
import { EntraError } from './directory';
import { EntraErrorType } from '../domain/entra-errors';

/** Wait used when Graph throttles without a usable Retry-After header. */
export const DEFAULT_RETRY_AFTER_MS = 5_000;

/** Application permissions Graph asks for, named in {@link EntraError} details of a 403. */
export const GraphPermission = {
  UserReadWriteAll: 'User.ReadWrite.All',
  UserReadAll: 'User.Read.All',
  LifeCycleInfoReadWriteAll: 'User-LifeCycleInfo.ReadWrite.All',
  EnableDisableAccountAll: 'User.EnableDisableAccount.All',
  RevokeSessionsAll: 'User.RevokeSessions.All',
  DomainReadAll: 'Domain.Read.All',
  OrganizationReadAll: 'Organization.Read.All',
} as const;
export type GraphPermission = (typeof GraphPermission)[keyof typeof GraphPermission];

/** What a Graph call was doing, so that a mapped error can say what failed and which permission is missing. */
export interface GraphCallContext {
  /** A stable name of the call for metrics and logs, e.g. `createUser` (never ids or addresses). */
  name?: string;
  /** Short description for messages, e.g. `update user 3f2…`. Ids only: it ends up in logs, never a UPN or mail. */
  operation: string;
  /** The Entra object id of the user the call concerns, when known: the one user detail a log line may carry. */
  userId?: string;
  /** The properties the call writes: they name a refused value and the permission a 403 points at. */
  properties?: Readonly<Record<string, unknown>>;
  /** The permission the call needs when no written property needs a more specific one. */
  permission?: GraphPermission;
}

/** The inner error object Graph returns (GraphError.body is this object as a JSON string). */
interface GraphErrorBody {
  code?: string;
  message?: string;
  details?: { code?: string; message?: string; target?: string }[];
}

/** Error names @azure/identity uses for failed token requests (they reach us wrapped in a GraphError, code = name). */
const identityErrorNames = new Set([
  'AuthenticationError',
  'AuthenticationRequiredError',
  'CredentialUnavailableError',
  'AggregateAuthenticationError',
]);

/**
 * Parses a Retry-After header: delay seconds (Graph sends fractions, e.g. `2.5`) or an HTTP date.
 * Pure. Returns `undefined` for a missing or unreadable value.
 */
export function parseRetryAfterMs(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds < 0 ? undefined : Math.ceil(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Reads GraphError.body (a JSON string of the inner error) without throwing on anything else. */
export function parseGraphErrorBody(error: GraphError): GraphErrorBody {
  const raw: unknown = error.body;
  if (typeof raw !== 'string') return { code: error.code ?? undefined, message: error.message };
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed !== null && typeof parsed === 'object') return parsed;
  } catch {
    // not JSON: a transport or identity error's text
  }
  return { code: error.code ?? undefined, message: error.message };
}

/**
 * The property a duplicate-value conflict is about (`userPrincipalName`, `proxyAddresses`, `mail`, …), or `undefined`
 * when the error is not such a conflict. Graph reports these as 400 Request_BadRequest with an ObjectConflict detail.
 */
export function conflictProperty(error: GraphError): string | undefined {
  const body = parseGraphErrorBody(error);
  const detail = body.details?.find((d) => d.code === 'ObjectConflict');
  if (detail !== undefined) return detail.target ?? propertyInMessage(detail.message ?? body.message) ?? 'unknown';
  const match = /Another object with the same value for property '?([A-Za-z]+)'?/i.exec(body.message ?? '');
  return match?.[1];
}

function propertyInMessage(message: string | undefined): string | undefined {
  if (message === undefined) return undefined;
  const match = /propert(?:y|ies) '?([A-Za-z][A-Za-z0-9]*)'?/i.exec(message);
  return match?.[1];
}

/** Names the property a 400 refused: Graph's details target, its message, or the written value it quotes. */
function refusedProperty(body: GraphErrorBody, context: GraphCallContext): string | undefined {
  const target = body.details?.find((d) => d.target !== undefined && d.target !== '')?.target;
  if (target !== undefined) return target;
  const named = propertyInMessage(body.message);
  if (named !== undefined) return named;
  const written = Object.entries(context.properties ?? {});
  // "Cannot convert the literal '2027-03-31' to the expected type 'Edm.DateTimeOffset'." names the value, not the key.
  const literal = /literal '([^']*)'/.exec(body.message ?? '')?.[1];
  if (literal !== undefined) {
    const owner = written.find(([, value]) => value === literal || (Array.isArray(value) && value.includes(literal)));
    if (owner !== undefined) return owner[0];
  }
  return written.length === 1 ? written[0]?.[0] : undefined;
}

/** The permission a 403 most likely points at, from what the call wrote. */
export function requiredPermission(context: GraphCallContext): GraphPermission {
  const written = Object.keys(context.properties ?? {});
  if (written.includes('employeeLeaveDateTime') || written.includes('employeeHireDate')) {
    return GraphPermission.LifeCycleInfoReadWriteAll;
  }
  if (written.includes('accountEnabled')) return GraphPermission.EnableDisableAccountAll;
  return context.permission ?? GraphPermission.UserReadWriteAll;
}

/**
 * Maps an error from the identity platform (token request) to an {@link EntraError}. Refusals the tenant or app
 * configuration causes (AADSTS7000229 consent missing or revoked, AADSTS7000215/7000222 bad or expired secret,
 * AADSTS700016 unknown app, AADSTS90002 unknown tenant, invalid_client, …) are `NotConnected`; outages and network
 * failures are `Transient`. Messages carry the AADSTS code and Microsoft's description, never the secret.
 */
export function mapIdentityError(name: string, message: string, cause: unknown): EntraError {
  const aadsts = /AADSTS(\d+)/.exec(message)?.[1];
  const oauthError = /^([a-z_]+)[: ]/.exec(message)?.[1];
  const description = /Description: (.*?)(?: - Correlation ID| - Trace ID|$)/s.exec(message)?.[1] ?? message;
  const code = aadsts !== undefined ? `AADSTS${aadsts}` : (oauthError ?? name);
  const notConnected = (why: string) =>
    new EntraError(EntraErrorType.NotConnected, `Entra rejected the app's credentials: ${why}`, {
      code,
      status: 401,
      cause,
    });
  switch (aadsts) {
    case '7000229':
      return notConnected(
        `the app has no service principal in the tenant: admin consent is missing or was revoked (${description.trim()})`,
      );
    case '7000215':
      return notConnected(`the client secret is wrong (${description.trim()})`);
    case '7000222':
      return notConnected(`the client secret has expired (${description.trim()})`);
    case '700016':
      return notConnected(`the application is not known in the tenant (${description.trim()})`);
    case '90002':
      return notConnected(`the tenant does not exist (${description.trim()})`);
    default:
      break;
  }
  if (oauthError === 'temporarily_unavailable' || oauthError === 'server_error' || isNetworkFailureText(message)) {
    return new EntraError(EntraErrorType.Transient, `token request failed, try again: ${description.trim()}`, {
      code,
      cause,
    });
  }
  if (aadsts !== undefined || oauthError !== undefined) return notConnected(description.trim());
  return new EntraError(EntraErrorType.Transient, `token request failed: ${message}`, { code, cause });
}

function isNetworkFailureText(message: string): boolean {
  return /network_error|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up|fetch failed|timed? ?out/i.test(
    message,
  );
}

/** True for errors @azure/identity raised, whether thrown directly or wrapped in a GraphError by the Graph client. */
export function isIdentityError(error: unknown): error is Error {
  if (error instanceof GraphError) return error.statusCode === -1 && identityErrorNames.has(error.code ?? '');
  return error instanceof Error && identityErrorNames.has(error.name);
}

/**
 * Maps whatever a Graph call threw to an {@link EntraError}:
 * 429, and 503 with Retry-After → `Throttled` with `retryAfterMs`; other 5xx, network failures (status -1) and
 * timeouts → `Transient`; 404 → `NotFound`; a duplicate-value ObjectConflict (400) or 409 → `Conflict` naming the
 * property; other 400s → `InvalidValue` naming the property; 403 → `PermissionDenied` naming the permission the call
 * most likely lacks; 401 and identity errors → `NotConnected` (or `Transient` for identity outages).
 * Already-mapped {@link EntraError}s pass through unchanged.
 */
export function mapGraphError(error: unknown, context: GraphCallContext): EntraError {
  if (error instanceof EntraError) return error;
  if (isIdentityError(error)) {
    const name = error instanceof GraphError ? (error.code ?? 'AuthenticationError') : error.name;
    return mapIdentityError(name, error.message, error);
  }
  if (!(error instanceof GraphError)) {
    const text = error instanceof Error ? error.message : String(error);
    return new EntraError(EntraErrorType.Transient, `${context.operation} failed: ${text}`, { cause: error });
  }
  const status = error.statusCode;
  if (status === -1 || status === 0 || status === undefined) {
    // The SDK keeps a fetch failure's name as `code`, or, for a non-Error (an abort DOMException from another realm),
    // the thrown object itself as `body`.
    const thrown: unknown = error.body;
    const inner =
      typeof thrown === 'object' && thrown !== null ? (thrown as { name?: unknown; message?: unknown }) : {};
    const name = error.code ?? (typeof inner.name === 'string' ? inner.name : undefined);
    const reason = error.message || (typeof inner.message === 'string' ? inner.message : 'no response');
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    if (/CERT_|self[- ]signed|certificate/i.test(reason)) {
      // Retrying will not help until someone fixes trust (a CA option or NODE_EXTRA_CA_CERTS): a connection problem.
      return new EntraError(
        EntraErrorType.NotConnected,
        `${context.operation}: Graph presented a certificate this process does not trust (${reason})`,
        { status: -1, code: 'tls', cause: error },
      );
    }
    return new EntraError(
      EntraErrorType.Transient,
      timedOut
        ? `${context.operation} timed out waiting for Graph`
        : `${context.operation} failed: Graph could not be reached (${reason})`,
      { status: -1, ...(name === undefined ? {} : { code: name }), cause: error },
    );
  }
  const body = parseGraphErrorBody(error);
  const graphMessage = body.message ?? error.message;
  const details = { status, code: body.code ?? error.code ?? undefined, cause: error };
  const retryAfterMs = parseRetryAfterMs(error.headers?.get('Retry-After'));

  if (status === 429 || (status === 503 && retryAfterMs !== undefined)) {
    const wait = retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
    return new EntraError(
      EntraErrorType.Throttled,
      `${context.operation} was throttled by Graph (${status}); retry after ${wait} ms`,
      { ...details, retryAfterMs: wait },
    );
  }
  if (status >= 500) {
    return new EntraError(
      EntraErrorType.Transient,
      `${context.operation} failed: Graph answered ${status} (${graphMessage})`,
      {
        ...details,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      },
    );
  }
  if (status === 404) {
    return new EntraError(
      EntraErrorType.NotFound,
      `${context.operation}: not found (it may not exist, or not yet after a recent create): ${graphMessage}`,
      details,
    );
  }
  if (status === 401) {
    return new EntraError(
      EntraErrorType.NotConnected,
      `${context.operation}: Graph refused the token: ${graphMessage}`,
      details,
    );
  }
  if (status === 403) {
    const permission = requiredPermission(context);
    return new EntraError(
      EntraErrorType.PermissionDenied,
      `${context.operation}: permission denied (${graphMessage}); the app most likely lacks the ${permission} application permission`,
      { ...details, permission },
    );
  }
  const conflict = status === 409 || status === 400 ? conflictProperty(error) : undefined;
  if (conflict !== undefined || status === 409) {
    return new EntraError(EntraErrorType.Conflict, `${context.operation}: ${graphMessage}`, {
      ...details,
      ...(conflict === undefined ? {} : { property: conflict }),
    });
  }
  const property = refusedProperty(body, context);
  return new EntraError(
    EntraErrorType.InvalidValue,
    `${context.operation}: Graph refused ${property === undefined ? 'a value' : `the value of ${property}`}: ${graphMessage}`,
    { ...details, ...(property === undefined ? {} : { property }) },
  );
}
