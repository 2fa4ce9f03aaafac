import type { SandboxContext } from './context';
import type { GraphRequest, GraphResponse } from './graph-http';
import { insufficientPrivileges, notFound } from './graph-http';
import { callerTenant } from './graph-users';
import type { SandboxDomain, SandboxTenant } from './state';
import { Permission } from './user-schema';

const organizationRead = [
  Permission.organizationReadAll,
  Permission.organizationReadWriteAll,
  Permission.directoryReadAll,
  Permission.directoryReadWriteAll,
];
const domainRead = [
  Permission.domainReadAll,
  Permission.domainReadWriteAll,
  Permission.directoryReadAll,
  Permission.directoryReadWriteAll,
];

function organization(tenant: SandboxTenant): Record<string, unknown> {
  return {
    id: tenant.id,
    displayName: tenant.displayName,
    createdDateTime: tenant.createdDateTime,
    tenantType: 'AAD',
    countryLetterCode: 'SE',
    preferredLanguage: 'en',
    verifiedDomains: tenant.domains
      .filter((d) => d.isVerified)
      .map((d) => ({
        capabilities: d.isInitial ? 'Email, OfficeCommunicationsOnline' : 'Email',
        isDefault: d.isDefault,
        isInitial: d.isInitial,
        name: d.id,
        type: 'Managed',
      })),
  };
}

function domain(d: SandboxDomain): Record<string, unknown> {
  return {
    authenticationType: 'Managed',
    availabilityStatus: null,
    id: d.id,
    isAdminManaged: true,
    isDefault: d.isDefault,
    isInitial: d.isInitial,
    isRoot: true,
    isVerified: d.isVerified,
    supportedServices: d.isVerified ? ['Email'] : [],
    passwordValidityPeriodInDays: 2147483647,
    passwordNotificationWindowInDays: 14,
    state: null,
  };
}

/** `GET /organization` (a one-element collection) and `GET /organization/{id}`. Needs Organization.Read.All or Directory.Read.All. */
export function getOrganization(sandbox: SandboxContext, req: GraphRequest, id?: string): GraphResponse {
  if (!organizationRead.some((p) => req.caller.roles.has(p))) throw insufficientPrivileges();
  const tenant = callerTenant(sandbox, req);
  if (id !== undefined) {
    if (id.toLowerCase() !== tenant.id) throw notFound(id);
    return {
      status: 200,
      headers: {},
      body: {
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#organization/$entity',
        ...organization(tenant),
      },
    };
  }
  return {
    status: 200,
    headers: {},
    body: {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#organization',
      value: [organization(tenant)],
    },
  };
}

/** `GET /domains` (verified and unverified) and `GET /domains/{name}`. Needs Domain.Read.All or Directory.Read.All. */
export function getDomains(sandbox: SandboxContext, req: GraphRequest, name?: string): GraphResponse {
  if (!domainRead.some((p) => req.caller.roles.has(p))) throw insufficientPrivileges();
  const tenant = callerTenant(sandbox, req);
  if (name !== undefined) {
    const found = tenant.domains.find((d) => d.id === name.toLowerCase());
    if (!found) throw notFound(name);
    return {
      status: 200,
      headers: {},
      body: { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#domains/$entity', ...domain(found) },
    };
  }
  return {
    status: 200,
    headers: {},
    body: { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#domains', value: tenant.domains.map(domain) },
  };
}
