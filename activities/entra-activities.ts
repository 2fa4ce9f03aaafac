import { cancellationSignal } from '@temporalio/activity';
import type { CreatedEntraUser, EntraActivities, StoreActivities } from '../domain/activity-contracts';
import { EntraErrorType } from '../domain/entra-errors';
import type { GraphUserProperties } from '../domain/graph-user';
import { MANAGED_GRAPH_PROPERTIES } from '../domain/graph-user';
import type { EntraDirectory, TenantRef } from '../entra/directory';
import { EntraError } from '../entra/directory';
import { toEntraFailure } from './entra-failure';
import type { GraphWritePacer } from './graph-write-pacer';

/** Finds the Entra tenant a company is connected to; null when the company has no connection (or it was removed). */
export type TenantResolver = (companyId: string) => Promise<TenantRef | null>;

export interface EntraActivityDeps {
  resolveTenant: TenantResolver;
  /** Spaces writes inside the tenant's budget; omit to write as fast as workers allow. */
  pacer?: GraphWritePacer;
  /**
   * The store effects a Graph write may carry, after Graph answered: recording an employee's state
   * (`updateEntraUser`'s `record`), linking the employee to the user it created (`createEntraUser`'s `link`).
   */
  store?: Pick<StoreActivities, 'recordEmployeeState' | 'linkEmployeeToEntraUser'>;
  /** How long verified domains are cached per tenant; default 5 minutes. */
  domainCacheTtlMs?: number;
  now?: () => number;
}

/**
 * The Entra activities ({@link EntraActivities}) over an {@link EntraDirectory}: each call resolves the company's
 * tenant first, writes wait for the tenant's write budget, and failures become typed Temporal failures
 * ({@link toEntraFailure}).
 */
export function createEntraActivities(entra: EntraDirectory, deps: EntraActivityDeps): EntraActivities {
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
        await deps.pacer.throttled(tenant.tenantId, err.details.retryAfterMs);
      }
      throw toEntraFailure(err);
    }
  }

  return {
    async listVerifiedDomains(input) {
      return call(input.companyId, 'read', async (tenant) => {
        const cached = domainCache.get(tenant.tenantId);
        if (cached && !input.refresh && now() - cached.fetchedAt < domainCacheTtlMs) return cached.names;
        const names = (await entra.listVerifiedDomains(tenant)).map((d) => d.name.toLowerCase());
        domainCache.set(tenant.tenantId, { names, fetchedAt: now() });
        return names;
      });
    },

    async createEntraUser(input) {
      const created: CreatedEntraUser = await call(input.companyId, 'write', async (tenant) => {
        const { user, linked, withheld } = await entra.createUser(tenant, input.user);
        const fields = pickMapped(linked ? user : input.user);
        for (const key of withheld ?? []) delete fields[key];
        return {
          entraObjectId: user.id,
          userPrincipalName: user.userPrincipalName,
          linked,
          fields,
          ...(withheld === undefined ? {} : { withheld }),
        };
      });
      if (!input.link || deps.store === undefined) return created;
      // A failure here retries the activity, whose create then finds the user it made and links it (idempotent).
      const { companyId, employeeId } = input;
      const link = await deps.store.linkEmployeeToEntraUser({
        companyId,
        employeeId,
        entraObjectId: created.entraObjectId,
      });
      return { ...created, link };
    },

    async updateEntraUser(input) {
      if (Object.keys(input.patch).length > 0) {
        await call(input.companyId, 'write', (tenant) => entra.updateUser(tenant, input.entraObjectId, input.patch));
      }
      if (input.record === undefined || deps.store === undefined) return { recorded: false };
      // After Graph took the patch, never before: a failure here retries the activity, and the PATCH is idempotent.
      await deps.store.recordEmployeeState(input.record);
      return { recorded: true };
    },

    async setEntraManager(input) {
      await call(input.companyId, 'write', (tenant) =>
        entra.setManager(tenant, input.entraObjectId, input.managerEntraObjectId),
      );
    },

    async removeEntraManager(input) {
      await call(input.companyId, 'write', (tenant) => entra.removeManager(tenant, input.entraObjectId));
    },

    async setEntraLeaveDateTime(input) {
      await call(input.companyId, 'write', (tenant) =>
        entra.setEmployeeLeaveDateTime(tenant, input.entraObjectId, input.leaveDateTime),
      );
    },

    async disableEntraAccount(input) {
      await call(input.companyId, 'write', (tenant) => entra.setAccountEnabled(tenant, input.entraObjectId, false));
    },

    async enableEntraAccount(input) {
      await call(input.companyId, 'write', (tenant) => entra.setAccountEnabled(tenant, input.entraObjectId, true));
    },

    async revokeEntraSessions(input) {
      await call(input.companyId, 'write', (tenant) => entra.revokeSignInSessions(tenant, input.entraObjectId));
    },

    async deleteEntraUser(input) {
      await call(input.companyId, 'write', (tenant) => entra.deleteUser(tenant, input.entraObjectId));
    },
  };
}

function abortSignal(): AbortSignal | undefined {
  try {
    return cancellationSignal();
  } catch {
    return undefined;
  }
}

/** The managed properties of a user; properties Graph did not return stay unknown (absent). */
function pickMapped(user: GraphUserProperties): GraphUserProperties {
  const fields: Record<string, unknown> = {};
  for (const key of MANAGED_GRAPH_PROPERTIES) {
    if (user[key] !== undefined) fields[key] = user[key];
  }
  return fields;
}
