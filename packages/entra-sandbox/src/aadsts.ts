import { randomUUID } from 'node:crypto';

/** The OAuth error body of the Microsoft identity platform (`AADSTS…` errors). */
export interface AadstsErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

/** An identity-platform failure: HTTP status plus the body Entra sends. */
export interface AadstsError {
  status: number;
  body: AadstsErrorBody;
}

/** Formats a date the way Entra does in `timestamp` (`2024-05-01 10:11:12Z`). */
function entraTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Builds an AADSTS error as the identity platform returns it: the description starts with `AADSTS<code>: ` and ends
 * with the trace id, correlation id and timestamp lines.
 */
export function aadstsError(
  status: number,
  error: string,
  code: number,
  message: string,
  origin: string,
  correlationId: string = randomUUID(),
): AadstsError {
  const now = new Date();
  const traceId = randomUUID();
  const timestamp = entraTimestamp(now);
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${origin}/error?code=${code}`,
    },
  };
}

/** The AADSTS failures the sandbox reproduces, with Entra's status, OAuth error and wording. */
export const Aadsts = {
  tenantNotFound: (origin: string, tenant: string) =>
    aadstsError(
      400,
      'invalid_request',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      origin,
    ),
  noTenantInformation: (origin: string) =>
    aadstsError(
      400,
      'invalid_request',
      50059,
      'No tenant-identifying information found in either the request or implied by any provided credentials.',
      origin,
    ),
  missingParameter: (origin: string, name: string) =>
    aadstsError(
      400,
      'invalid_request',
      900144,
      `The request body must contain the following parameter: '${name}'.`,
      origin,
    ),
  unsupportedGrantType: (origin: string, grantType: string) =>
    aadstsError(
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
      origin,
    ),
  appNotFound: (origin: string, appId: string, tenantName: string) =>
    aadstsError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${appId}' was not found in the directory '${tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      origin,
    ),
  missingCredential: (origin: string) =>
    aadstsError(
      401,
      'invalid_client',
      7000216,
      "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.",
      origin,
    ),
  invalidSecret: (origin: string, appId: string) =>
    aadstsError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
      origin,
    ),
  missingServicePrincipal: (origin: string, appId: string, tenantId: string) =>
    aadstsError(
      401,
      'invalid_client',
      7000229,
      `The client application ${appId} is missing service principal in the tenant ${tenantId}. See instructions here: https://go.microsoft.com/fwlink/?linkid=2225119`,
      origin,
    ),
  scopeNotDefault: (origin: string, scope: string) =>
    aadstsError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      origin,
    ),
  invalidScope: (origin: string, scope: string) =>
    aadstsError(
      400,
      'invalid_scope',
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
      origin,
    ),
  resourceNotFound: (origin: string, resource: string, tenantName: string) =>
    aadstsError(
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      origin,
    ),
  transient: (origin: string, status: number) =>
    aadstsError(status, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.', origin),
  redirectUriMismatch: (origin: string, redirectUri: string, appId: string) =>
    aadstsError(
      400,
      'invalid_request',
      50011,
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${appId}'.`,
      origin,
    ),
} as const;
