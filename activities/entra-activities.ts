import { cancellationSignal } from '@temporalio/activity';
import type { GraphUserProperties } from '../domain/graph-user';
import { MANAGED_GRAPH_PROPERTIES } from '../domain/graph-user';
import type { EntraDirectory, EntraUser, NewEntraUser, TenantRef } from '../entra/directory';
import { EntraError, EntraErrorType } from '../entra/directory';
import { toEntraFailure } from './entra-failure';
import type { GraphWritePacer } from './graph-write-pacer';

/** Finds the Entra tenant a company is connected to; null when the company has no connection (or it was removed). */
export type TenantResolver = (companyId: string) => Promise<TenantRef | null>;

export interface EntraActivityDeps {
  resolveTenant: TenantResolver;
  /** Spaces writes inside the tenant's budget; omit to write as fast as workers allow. */
  pacer?: GraphWritePacer;
  /** How long verified domains are cached per tenant; default 5 minutes. */
  domainCacheTtlMs?: number;
  now?: () => number;
}

export interface CreatedEntraUser {
  entraObjectId: string;
  userPrincipalName: string;
  /** True when a user with this userPrincipalName already existed (or a create whose response was lost). */
  linked: boolean;
  /** The user's mapped properties as Entra holds them now: the base for the next diff. */
  fields: GraphUserProperties;
}

/**
 * Activities that act on Microsoft Entra ID for the employee lifecycle (DESIGN.md §3.6 names). Every activity takes
 * the company id and resolves its tenant at call time, so removing the integration stops Graph work at once
 * (`EntraNotConnected`). Every write is idempotent. Failures are Temporal `ApplicationFailure`s typed by
 * `EntraErrorType` (see {@link toEntraFailure}).
 */
export function createEntraActivities(entra: EntraDirectory, deps: EntraActivityDeps) {
  const domainCacheTtlMs = deps.domainCacheTtlMs ?? 5 * 60_000;
  const now = deps.now ?? Date.now;
  const domainCache = new Map<string, { names: string[]; fetchedAt: number }>();

  async function tenantOf(companyId: string): Promise<TenantRef> {
    const tenant = await deps.resolveTenant(companyId);
    if (!tenant) {
      throw new EntraError(EntraErrorType.NotConnected, `company ${companyId} has no Entra connection`);
    }
    return tenant;
  }

  /** Runs one Graph call and maps its failure; writes wait for the pacer and report 429s to it. */
  async function call<T>(companyId: string, kind: 'read' | 'write', fn: (tenant: TenantRef) => Promise<T>): Promise<T> {
    let tenant: TenantRef | undefined;
    try {
      tenant = await tenantOf(companyId);
      if (kind === 'write' && deps.pacer) await deps.pacer.acquire(tenant.tenantId, abortSignal());
      return await fn(tenant);
    } catch (err) {
      if (
        tenant &&
        deps.pacer &&
        err instanceof EntraError &&
        err.type === EntraErrorType.Throttled &&
        err.details.retryAfterMs !== undefined
      ) {
        deps.pacer.throttled(tenant.tenantId, err.details.retryAfterMs);
      }
      throw toEntraFailure(err);
    }
  }

  return {
    /**
     * Verified domain names (lower case) of the company's tenant, cached for a few minutes per tenant.
     * `refresh` bypasses the cache (used when a domain is not found, so a newly verified domain is seen).
     */
    async listVerifiedDomains(input: { companyId: string; refresh?: boolean }): Promise<string[]> {
      return call(input.companyId, 'read', async (tenant) => {
        const cached = domainCache.get(tenant.tenantId);
        if (cached && !input.refresh && now() - cached.fetchedAt < domainCacheTtlMs) return cached.names;
        const names = (await entra.listVerifiedDomains(tenant)).map((d) => d.name.toLowerCase());
        domainCache.set(tenant.tenantId, { names, fetchedAt: now() });
        return names;
      });
    },

    /**
     * Creates the Entra user (accountEnabled true, random password that must be changed) or links the existing user
     * with the same userPrincipalName. Idempotent: a retry after a lost response links the user it created.
     */
    async createEntraUser(input: {
      companyId: string;
      employeeId: string;
      user: NewEntraUser;
    }): Promise<CreatedEntraUser> {
      return call(input.companyId, 'write', async (tenant) => {
        const { user, linked } = await entra.createUser(tenant, input.user);
        return {
          entraObjectId: user.id,
          userPrincipalName: user.userPrincipalName,
          linked,
          fields: linked ? mappedFieldsOf(user) : pickMapped(input.user),
        };
      });
    },

    /** One minimal PATCH of the user's properties; an empty patch makes no call. Idempotent. */
    async updateEntraUser(input: {
      companyId: string;
      entraObjectId: string;
      patch: GraphUserProperties;
    }): Promise<void> {
      if (Object.keys(input.patch).length === 0) return;
      await call(input.companyId, 'write', (tenant) => entra.updateUser(tenant, input.entraObjectId, input.patch));
    },

    /** Sets the user's manager (`PUT …/manager/$ref`). Idempotent. */
    async setEntraManager(input: {
      companyId: string;
      entraObjectId: string;
      managerEntraObjectId: string;
    }): Promise<void> {
      await call(input.companyId, 'write', (tenant) =>
        entra.setManager(tenant, input.entraObjectId, input.managerEntraObjectId),
      );
    },

    /** Removes the user's manager (`DELETE …/manager/$ref`); no manager is not an error. */
    async removeEntraManager(input: { companyId: string; entraObjectId: string }): Promise<void> {
      await call(input.companyId, 'write', (tenant) => entra.removeManager(tenant, input.entraObjectId));
    },

    /** Sets (or clears, with null) employeeLeaveDateTime, a UTC `…Z` date-time. Idempotent. */
    async setEntraLeaveDateTime(input: {
      companyId: string;
      entraObjectId: string;
      leaveDateTime: string | null;
    }): Promise<void> {
      await call(input.companyId, 'write', (tenant) =>
        entra.setEmployeeLeaveDateTime(tenant, input.entraObjectId, input.leaveDateTime),
      );
    },

    /** accountEnabled false, by the `disableAccountAtLeave` policy only. Idempotent. */
    async disableEntraAccount(input: { companyId: string; entraObjectId: string }): Promise<void> {
      await call(input.companyId, 'write', (tenant) => entra.setAccountEnabled(tenant, input.entraObjectId, false));
    },

    /** accountEnabled true again, when an offboarding that disabled the account is cancelled or moved. Idempotent. */
    async enableEntraAccount(input: { companyId: string; entraObjectId: string }): Promise<void> {
      await call(input.companyId, 'write', (tenant) => entra.setAccountEnabled(tenant, input.entraObjectId, true));
    },

    /** Invalidates the user's refresh tokens and session cookies (`revokeSignInSessions`). */
    async revokeEntraSessions(input: { companyId: string; entraObjectId: string }): Promise<void> {
      await call(input.companyId, 'write', (tenant) => entra.revokeSignInSessions(tenant, input.entraObjectId));
    },

    /** Deletes the user (by the `deleteAfterLeaveDays` policy only); a user already gone is not an error. */
    async deleteEntraUser(input: { companyId: string; entraObjectId: string }): Promise<void> {
      await call(input.companyId, 'write', (tenant) => entra.deleteUser(tenant, input.entraObjectId));
    },
  };
}

export type EntraActivities = ReturnType<typeof createEntraActivities>;

function abortSignal(): AbortSignal | undefined {
  try {
    return cancellationSignal();
  } catch {
    return undefined;
  }
}

function pickMapped(user: GraphUserProperties): GraphUserProperties {
  const fields: Record<string, unknown> = {};
  for (const key of MANAGED_GRAPH_PROPERTIES) {
    if (user[key] !== undefined) fields[key] = user[key];
  }
  return fields;
}

/** The mapped properties of a user read from Graph; properties Graph did not return stay unknown (absent). */
function mappedFieldsOf(user: EntraUser): GraphUserProperties {
  return pickMapped(user);
}
