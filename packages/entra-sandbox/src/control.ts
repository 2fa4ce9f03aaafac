import type { SandboxContext, SandboxSettings } from './context';
import { ConsentMode } from './context';
import type { Fault, FaultSpec } from './faults';
import type { SandboxTenant, SandboxUser, TenantSeed } from './state';
import type { ThrottleLimits, ThrottleLimitsPatch } from './throttling';
import { mergeLimits } from './throttling';

/** Thrown for a control request that names something unknown or carries a bad value (HTTP 400/404). */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Settings that can change at run time, including the throttling limits (`enabled: false` turns throttling off). */
export interface SettingsPatch extends Partial<SandboxSettings> {
  throttling?: ThrottleLimitsPatch & { enabled?: boolean };
}

/** A user as the state dump shows it (all stored properties, its manager and whether reads can see it yet). */
export interface DumpedUser {
  id: string;
  managerId: string | null;
  replicated: boolean;
  props: Record<string, unknown>;
}

/**
 * Operations for tests and demos, used by the in-process handle and the `/_sandbox` HTTP routes alike: reset, state,
 * request log, faults, consent mode, app permissions, tenants and domains, settings.
 */
export class SandboxControl {
  private readonly initialTenants: Record<string, SandboxTenant>;

  constructor(
    private readonly sandbox: SandboxContext,
    private readonly initialSettings: SandboxSettings,
    private readonly initialLimits: ThrottleLimits,
    private readonly initialThrottlingEnabled: boolean,
  ) {
    this.initialTenants = structuredClone(sandbox.store.state.tenants);
  }

  /**
   * Back to the state of this start: no users; tenants, domains and consents as they were when the sandbox started;
   * no faults; empty request log and throttle budgets; the initial settings. Ids and secret are kept.
   */
  reset(): void {
    const { store } = this.sandbox;
    store.resetTo(structuredClone(this.initialTenants));
    this.sandbox.faults.clear();
    this.sandbox.throttle.reset();
    this.sandbox.throttle.limits = structuredClone(this.initialLimits);
    this.sandbox.throttle.enabled = this.initialThrottlingEnabled;
    this.sandbox.log.length = 0;
    delete this.sandbox.settings.consentTenantId;
    Object.assign(this.sandbox.settings, structuredClone(this.initialSettings));
  }

  /** The directory: tenants (with domains and grants), apps (secrets masked) and users. */
  state(): {
    tenants: SandboxTenant[];
    apps: { appId: string; displayName: string; requiredPermissions: string[] }[];
    users: Record<string, DumpedUser[]>;
  } {
    const { store } = this.sandbox;
    const now = Date.now();
    const users: Record<string, DumpedUser[]> = {};
    for (const [tenantId, byId] of Object.entries(store.state.users)) {
      users[tenantId] = Object.values(byId).map((u: SandboxUser) => ({
        id: u.id,
        managerId: u.managerId,
        replicated: now >= u.createdAtMs + this.sandbox.settings.replicationLagMs,
        props: { ...u.props },
      }));
    }
    return {
      tenants: structuredClone(Object.values(store.state.tenants)),
      apps: Object.values(store.state.apps).map((a) => ({
        appId: a.appId,
        displayName: a.displayName,
        requiredPermissions: [...a.requiredPermissions],
      })),
      users,
    };
  }

  requests(): SandboxContext['log'] {
    return [...this.sandbox.log];
  }

  clearRequests(): void {
    this.sandbox.log.length = 0;
  }

  addFault(spec: FaultSpec): Fault {
    return this.sandbox.faults.add(spec);
  }

  faults(): Fault[] {
    return this.sandbox.faults.list();
  }

  clearFaults(): void {
    this.sandbox.faults.clear();
  }

  setConsent(mode: ConsentMode, tenantId?: string): void {
    if (!Object.values(ConsentMode).includes(mode))
      throw new ControlError(400, "mode must be 'prompt', 'grant' or 'deny'");
    if (tenantId !== undefined && !this.sandbox.store.tenant(tenantId))
      throw new ControlError(404, `unknown tenant ${tenantId}`);
    this.sandbox.settings.consentMode = mode;
    if (tenantId !== undefined) this.sandbox.settings.consentTenantId = this.sandbox.store.tenant(tenantId)!.id;
  }

  /**
   * Sets the application permissions an app holds in a tenant (as an admin editing API permissions and granting
   * consent). `null` removes the app's service principal: token requests then fail with AADSTS7000229. Tokens already
   * issued keep their roles until they expire, as with Entra.
   */
  setPermissions(tenantId: string, permissions: string[] | null, appId = this.sandbox.store.state.defaultAppId): void {
    const tenant = this.requireTenant(tenantId);
    if (!this.sandbox.store.app(appId)) throw new ControlError(404, `unknown app ${appId}`);
    if (permissions !== null && (!Array.isArray(permissions) || permissions.some((p) => typeof p !== 'string'))) {
      throw new ControlError(400, 'permissions must be an array of permission names or null');
    }
    if (permissions === null) delete tenant.grants[appId.toLowerCase()];
    else tenant.grants[appId.toLowerCase()] = [...permissions];
    this.sandbox.store.changed();
  }

  addTenant(seed: TenantSeed): SandboxTenant {
    if (typeof seed.displayName !== 'string' || !Array.isArray(seed.domains) || seed.domains.length === 0) {
      throw new ControlError(400, 'a tenant needs displayName and at least one domain');
    }
    for (const d of seed.domains) this.assertDomainFree(d.name);
    return this.sandbox.store.addTenant(seed);
  }

  /** Adds a domain to a tenant, or changes whether it is verified. */
  setDomain(tenantId: string, name: string, isVerified: boolean): void {
    const tenant = this.requireTenant(tenantId);
    const id = name.toLowerCase();
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(id)) throw new ControlError(400, `invalid domain name ${name}`);
    if (typeof isVerified !== 'boolean') throw new ControlError(400, 'isVerified must be a boolean');
    const existing = tenant.domains.find((d) => d.id === id);
    if (existing) existing.isVerified = isVerified;
    else {
      this.assertDomainFree(id);
      tenant.domains.push({ id, isVerified, isDefault: false, isInitial: false });
    }
    this.sandbox.store.changed();
  }

  settings(): SandboxSettings & { throttling: ThrottleLimits & { enabled: boolean } } {
    return {
      ...this.sandbox.settings,
      throttling: { ...this.sandbox.throttle.limits, enabled: this.sandbox.throttle.enabled },
    };
  }

  updateSettings(patch: SettingsPatch): void {
    const { settings, throttle } = this.sandbox;
    const nonNegative = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
    if (patch.latencyMs !== undefined) {
      const ok = Array.isArray(patch.latencyMs)
        ? patch.latencyMs.length === 2 && patch.latencyMs.every(nonNegative) && patch.latencyMs[0] <= patch.latencyMs[1]
        : nonNegative(patch.latencyMs);
      if (!ok) throw new ControlError(400, 'latencyMs must be a non-negative number or [min, max]');
      settings.latencyMs = patch.latencyMs;
    }
    if (patch.replicationLagMs !== undefined) {
      if (!nonNegative(patch.replicationLagMs))
        throw new ControlError(400, 'replicationLagMs must be a non-negative number');
      settings.replicationLagMs = patch.replicationLagMs;
    }
    if (patch.replicationLagAffectsWrites !== undefined) {
      if (typeof patch.replicationLagAffectsWrites !== 'boolean') {
        throw new ControlError(400, 'replicationLagAffectsWrites must be a boolean');
      }
      settings.replicationLagAffectsWrites = patch.replicationLagAffectsWrites;
    }
    if (patch.tokenLifetimeSeconds !== undefined) {
      if (!Number.isInteger(patch.tokenLifetimeSeconds) || patch.tokenLifetimeSeconds < 1) {
        throw new ControlError(400, 'tokenLifetimeSeconds must be a positive integer');
      }
      settings.tokenLifetimeSeconds = patch.tokenLifetimeSeconds;
    }
    if (patch.consentMode !== undefined) this.setConsent(patch.consentMode, patch.consentTenantId);
    if (patch.throttling) {
      const { enabled, resourceUnitsPerWindow, ...numbers } = patch.throttling;
      for (const [key, value] of Object.entries(numbers)) {
        if (!(key in throttle.limits) || !nonNegative(value) || value === 0) {
          throw new ControlError(400, `throttling.${key} must be a positive number`);
        }
      }
      if (resourceUnitsPerWindow) {
        for (const [size, value] of Object.entries(resourceUnitsPerWindow)) {
          if (!(size in throttle.limits.resourceUnitsPerWindow) || !nonNegative(value) || value === 0) {
            throw new ControlError(400, `throttling.resourceUnitsPerWindow.${size} must be a positive number`);
          }
        }
      }
      throttle.limits = mergeLimits(throttle.limits, {
        ...numbers,
        ...(resourceUnitsPerWindow ? { resourceUnitsPerWindow } : {}),
      });
      if (enabled !== undefined) throttle.enabled = enabled;
      throttle.reset();
    }
  }

  private requireTenant(tenantId: string): SandboxTenant {
    const tenant = this.sandbox.store.tenant(tenantId);
    if (!tenant) throw new ControlError(404, `unknown tenant ${tenantId}`);
    return tenant;
  }

  private assertDomainFree(name: string): void {
    const id = name.toLowerCase();
    for (const t of Object.values(this.sandbox.store.state.tenants)) {
      if (t.domains.some((d) => d.id === id))
        throw new ControlError(400, `domain ${name} already belongs to tenant ${t.id}`);
    }
  }
}
