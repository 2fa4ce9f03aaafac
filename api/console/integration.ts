/**
 * The Microsoft Entra ID integration as the Integrations page shows it: the admin-consent URL, and the connection
 * checked live (a fresh token, the permissions it carries, the verified domains) with the reason in words when it
 * does not work.
 */
import type { ConnectionProbe } from '../../entra/graph-directory';
import { EntraErrorType } from '../../domain/entra-errors';
import { EntraError } from '../../entra/directory';
import type { VerifiedDomain } from '../../entra/directory';
import { GraphPermission } from '../../entra/graph-errors';
import { waitAtMost } from '../../orchestration/deadline';
import type { Company } from '../../store/companies';

/** What the console needs of Entra: the app registration and a way to probe a tenant. */
export interface ConsoleEntra {
  /** The application (client) id admin consent is asked for. */
  clientId: string;
  /** `https://login.microsoftonline.com`, or the Entra stand-in. */
  authorityHost: string;
  probeConnection(tenant: { tenantId: string }): Promise<ConnectionProbe>;
  /** The tenant's verified domains (for the employee Preview's domain rule). */
  listVerifiedDomains(tenant: { tenantId: string }): Promise<VerifiedDomain[]>;
  /** Drops cached credentials (after a reconnect or a removal). */
  forgetTenant(tenant: { tenantId: string }): void;
}

/** The application permissions Joiner needs, with the words the administrator sees on Microsoft's consent page. */
export const requiredPermissions: readonly { permission: string; words: string }[] = [
  { permission: GraphPermission.UserReadWriteAll, words: "Read and write all users' full profiles" },
  { permission: GraphPermission.LifeCycleInfoReadWriteAll, words: "Read and write all users' lifecycle information" },
  { permission: GraphPermission.OrganizationReadAll, words: 'Read organization information (the verified domains)' },
];

/** The path Entra redirects to after admin consent (registered as the app's redirect URI). */
export const consentCallbackPath = '/settings/integrations/entra/callback';

/** `{authority}/organizations/v2.0/adminconsent?client_id…&redirect_uri…&state…&scope=…/.default`. */
export function adminConsentUrl(
  entra: Pick<ConsoleEntra, 'clientId' | 'authorityHost'>,
  publicUrl: string,
  state: string,
) {
  const url = new URL(`${entra.authorityHost}/organizations/v2.0/adminconsent`);
  url.searchParams.set('client_id', entra.clientId);
  url.searchParams.set('redirect_uri', `${publicUrl}${consentCallbackPath}`);
  url.searchParams.set('state', state);
  // Application permissions are asked for with the static `.default` scope: those of the app registration.
  url.searchParams.set('scope', 'https://graph.microsoft.com/.default');
  return url.toString();
}

export type IntegrationStatus =
  /** Never integrated, or removed. */
  | { state: 'not-integrated'; removedTenantId: string | null; removedAt: Date | null }
  | { state: 'connected'; tenantId: string; verifiedDomains: VerifiedDomain[]; connectedAt: Date | null }
  | { state: 'disconnected'; tenantId: string; reason: string; missingPermissions: string[] };

/** How long the page waits for Entra before it says so (a refresh retries). */
export const probeDeadlineMs = 10_000;

/** In words, why a token could not be had (the AADSTS code Entra answered). */
export function notConnectedReason(err: EntraError, tenantId: string): string {
  switch (err.details.code) {
    case 'AADSTS7000229':
      return `Admin consent is missing or was revoked in tenant ${tenantId}: click Integrate to grant it again.`;
    case 'AADSTS7000222':
      return 'The client secret has expired: create a new one for the app registration and set ENTRA_CLIENT_SECRET.';
    case 'AADSTS7000215':
    case 'AADSTS7000216':
      return 'The client secret is wrong: set ENTRA_CLIENT_SECRET to a current secret of the app registration.';
    case 'AADSTS90002':
      return `Unknown tenant: Microsoft Entra ID has no tenant ${tenantId}.`;
    case 'AADSTS700016':
      return 'The app registration (ENTRA_CLIENT_ID) was not found in the directory.';
    case 'tls':
      return 'The connection to Microsoft Entra ID is not trusted (TLS certificate).';
    default:
      return `Microsoft Entra ID refused the app's sign-in: ${err.message}`;
  }
}

/** Checks the company's integration live. Never throws: every failure is a `disconnected` with its reason. */
export async function checkIntegration(entra: ConsoleEntra | undefined, company: Company): Promise<IntegrationStatus> {
  if (company.entraStatus !== 'connected' || company.entraTenantId === null) {
    return { state: 'not-integrated', removedTenantId: company.entraTenantId, removedAt: company.entraDisconnectedAt };
  }
  const tenantId = company.entraTenantId;
  const disconnected = (reason: string, missingPermissions: string[] = []): IntegrationStatus => ({
    state: 'disconnected',
    tenantId,
    reason,
    missingPermissions,
  });
  if (entra === undefined) {
    return disconnected('This API process has no Entra credentials: set ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET.');
  }
  try {
    const outcome = await waitAtMost(entra.probeConnection({ tenantId }), probeDeadlineMs);
    if (!outcome.settled) {
      return disconnected(`Microsoft Entra ID did not answer within ${probeDeadlineMs / 1000} s: refresh to retry.`);
    }
    const granted = new Set(outcome.value.grantedPermissions);
    const missing = requiredPermissions.filter((p) => !granted.has(p.permission));
    if (missing.length > 0) {
      return disconnected(
        `Permission missing: ${missing.map((p) => `${p.words} (${p.permission})`).join(', ')}. Grant it to the app ` +
          'in Microsoft Entra ID, then click Integrate to consent again.',
        missing.map((p) => p.permission),
      );
    }
    return {
      state: 'connected',
      tenantId,
      verifiedDomains: outcome.value.verifiedDomains ?? [],
      connectedAt: company.entraConnectedAt,
    };
  } catch (err) {
    if (!(err instanceof EntraError)) return disconnected(`The check failed: ${(err as Error).message}`);
    if (err.type === EntraErrorType.NotConnected) return disconnected(notConnectedReason(err, tenantId));
    if (err.type === EntraErrorType.PermissionDenied) {
      return disconnected(`Permission missing: ${err.details.permission ?? 'unknown'}.`, [
        err.details.permission ?? '',
      ]);
    }
    return disconnected(`Microsoft Entra ID could not be reached (${err.message}): refresh the page to retry.`);
  }
}

/** In words, why the consent came back without a grant (the `error` Entra redirected with). */
export function consentErrorReason(error: string, description: string | undefined): string {
  const said = description ? ` Microsoft Entra ID said: “${description}”` : '';
  if (error === 'access_denied' || error === 'permission_denied' || error === 'consent_required') {
    return `Consent denied: the administrator did not grant Joiner its permissions.${said}`;
  }
  return `The admin consent failed (${error}).${said}`;
}
