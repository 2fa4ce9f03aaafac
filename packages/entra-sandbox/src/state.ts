import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserIndex } from './user-index';

/** Tenant sizes of Graph's identity-and-access throttling: resource units per 10 s per app and tenant. */
export const TenantSize = { small: 'small', medium: 'medium', large: 'large' } as const;
export type TenantSize = (typeof TenantSize)[keyof typeof TenantSize];

export interface SandboxDomain {
  id: string;
  isVerified: boolean;
  isDefault: boolean;
  isInitial: boolean;
}

export interface SandboxTenant {
  id: string;
  displayName: string;
  size: TenantSize;
  createdDateTime: string;
  domains: SandboxDomain[];
  /** appId → granted application permissions (app roles of Microsoft Graph). No entry: no service principal. */
  grants: Record<string, string[]>;
}

export interface SandboxApp {
  appId: string;
  displayName: string;
  /** Client secrets. The sandbox keeps them in its data dir so it can print them at every start. */
  secrets: string[];
  /** Application permissions the app requests; admin consent grants exactly these. */
  requiredPermissions: string[];
  /** Redirect URIs accepted by adminconsent; empty accepts any http(s) URI (convenient for local demos). */
  redirectUris: string[];
}

/** A directory user. Properties follow Graph's names; passwords are never stored. */
export interface SandboxUser {
  id: string;
  /** Milliseconds since epoch of the create: replication lag hides the user from reads until it has passed. */
  createdAtMs: number;
  managerId: string | null;
  props: Record<string, unknown>;
}

export interface PersistedState {
  version: 1;
  defaultTenantId: string;
  unconsentedTenantId: string;
  defaultAppId: string;
  tenants: Record<string, SandboxTenant>;
  apps: Record<string, SandboxApp>;
  /** tenantId → userId → user. Insertion order is the listing order. */
  users: Record<string, Record<string, SandboxUser>>;
}

/** Permissions the pre-consented app holds: what Joiner needs (see README "Permissions"). */
export const defaultAppPermissions = [
  'User.Read.All',
  'User.ReadWrite.All',
  'User-LifeCycleInfo.ReadWrite.All',
  'Organization.Read.All',
] as const;

/** Tenant to add at start (e.g. for multi-company tests). */
export interface TenantSeed {
  id?: string;
  displayName: string;
  /** The first domain is the initial `*.onmicrosoft.com` one. */
  domains: { name: string; isVerified: boolean; isDefault?: boolean }[];
  size?: TenantSize;
  /** Application permissions the default app holds in this tenant; absent: not consented. */
  grantedPermissions?: string[];
}

export function newTenant(seed: TenantSeed): SandboxTenant {
  const domains = seed.domains.map((d, i) => ({
    id: d.name.toLowerCase(),
    isVerified: d.isVerified,
    isInitial: i === 0,
    isDefault: d.isDefault ?? false,
  }));
  if (!domains.some((d) => d.isDefault) && domains[0]) domains[0].isDefault = true;
  return {
    id: seed.id ?? randomUUID(),
    displayName: seed.displayName,
    size: seed.size ?? TenantSize.small,
    createdDateTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    domains,
    grants: {},
  };
}

function seedState(appPermissions: readonly string[], tenantSize: TenantSize): PersistedState {
  const app: SandboxApp = {
    appId: randomUUID(),
    displayName: 'Joiner (sandbox)',
    secrets: [newClientSecret()],
    requiredPermissions: [...appPermissions],
    redirectUris: [],
  };
  const contoso = newTenant({
    displayName: 'Contoso',
    size: tenantSize,
    domains: [
      { name: 'contoso.onmicrosoft.com', isVerified: true },
      { name: 'contoso.com', isVerified: true, isDefault: true },
      { name: 'fabrikam.com', isVerified: false },
    ],
  });
  contoso.grants[app.appId] = [...appPermissions];
  const northwind = newTenant({
    displayName: 'Northwind Traders',
    size: tenantSize,
    domains: [
      { name: 'northwind.onmicrosoft.com', isVerified: true },
      { name: 'northwindtraders.com', isVerified: true, isDefault: true },
    ],
  });
  return {
    version: 1,
    defaultTenantId: contoso.id,
    unconsentedTenantId: northwind.id,
    defaultAppId: app.appId,
    tenants: { [contoso.id]: contoso, [northwind.id]: northwind },
    apps: { [app.appId]: app },
    users: { [contoso.id]: {}, [northwind.id]: {} },
  };
}

/** A client secret shaped like Entra's (40 characters, with the `~` Entra puts in them). */
export function newClientSecret(): string {
  const raw = randomBytes(30).toString('base64url').slice(0, 36);
  return `${raw.slice(0, 3)}8Q~${raw.slice(3)}`;
}

/** Constant-time secret comparison (hashing first makes the lengths equal). */
export function secretMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The sandbox directory: tenants, the app registration and its consents, users. Persisted as JSON in the data dir
 * before a write is answered (concurrent writes coalesced) so a restarted sandbox, even after kill -9, keeps its
 * identities, secret and every user it acknowledged.
 */
export class SandboxStore {
  /** Changes made so far, and how many of them the file on disk holds. */
  private changes = 0;
  private written = 0;
  /** The write in progress. */
  private writing: Promise<void> | null = null;
  /** Lookups by UPN and SMTP address; every change to a user's UPN, mail or proxyAddresses goes through it. */
  readonly index = new UserIndex();

  private constructor(
    public state: PersistedState,
    private readonly file: string,
  ) {}

  /** Loads `state.json` from `dataDir`, or seeds a fresh directory (Contoso consented, Northwind not). */
  static async open(
    dataDir: string,
    opts: { appPermissions?: readonly string[]; tenantSize?: TenantSize } = {},
  ): Promise<SandboxStore> {
    const file = join(dataDir, 'entra-sandbox-state.json');
    let state: PersistedState;
    try {
      state = JSON.parse(await readFile(file, 'utf8')) as PersistedState;
    } catch {
      state = seedState(opts.appPermissions ?? defaultAppPermissions, opts.tenantSize ?? TenantSize.small);
    }
    const store = new SandboxStore(state, file);
    store.index.rebuild(state.users);
    await store.flush();
    return store;
  }

  tenant(idOrDomain: string): SandboxTenant | undefined {
    const key = idOrDomain.toLowerCase();
    const byId = this.state.tenants[key];
    if (byId) return byId;
    return Object.values(this.state.tenants).find((t) => t.domains.some((d) => d.id === key && d.isVerified));
  }

  app(appId: string): SandboxApp | undefined {
    return this.state.apps[appId.toLowerCase()];
  }

  addTenant(seed: TenantSeed): SandboxTenant {
    const tenant = newTenant(seed);
    if (seed.grantedPermissions) tenant.grants[this.state.defaultAppId] = [...seed.grantedPermissions];
    this.state.tenants[tenant.id] = tenant;
    this.state.users[tenant.id] = {};
    this.changed();
    return tenant;
  }

  /** Replaces tenants and removes all users (control reset). */
  resetTo(tenants: Record<string, SandboxTenant>): void {
    this.state.tenants = tenants;
    this.state.users = Object.fromEntries(Object.keys(tenants).map((id) => [id, {}]));
    this.index.rebuild(this.state.users);
    this.changed();
  }

  addUser(tenantId: string, user: SandboxUser): void {
    this.users(tenantId)[user.id] = user;
    this.index.add(tenantId, user);
    this.changed();
  }

  /** Applies `change` to a user, keeping the index in step. */
  updateUser(tenantId: string, user: SandboxUser, change: (props: Record<string, unknown>) => void): void {
    this.index.remove(tenantId, user);
    change(user.props);
    this.index.add(tenantId, user);
    this.changed();
  }

  removeUser(tenantId: string, user: SandboxUser): void {
    this.index.remove(tenantId, user);
    delete this.users(tenantId)[user.id];
    this.changed();
  }

  users(tenantId: string): Record<string, SandboxUser> {
    let users = this.state.users[tenantId];
    if (!users) {
      users = {};
      this.state.users[tenantId] = users;
    }
    return users;
  }

  /**
   * Marks the state changed. It is written at once (changes made in the same turn of the event loop share one write);
   * a request that changed it answers only once {@link persisted} says it is on disk.
   */
  changed(): void {
    this.changes++;
    // Changes made outside a request (the in-process control API) are written too. A failed write is logged here; a
    // request waiting for it in persisted() fails with it (500).
    void this.persisted().catch((err: unknown) => console.error('entra sandbox: the state was not written', err));
  }

  /**
   * Resolves once every change made so far is on disk, as Graph keeps what it acknowledged: an answer sent after it
   * survives a kill -9 of the stand-in. Callers that arrive while a write runs share the next one: concurrent writes
   * cost one file write together, not one each.
   * @throws when the file could not be written
   */
  async persisted(): Promise<void> {
    const target = this.changes;
    while (this.written < target) {
      this.writing ??= this.write().finally(() => {
        this.writing = null;
      });
      await this.writing;
    }
  }

  /** Writes the state now (see {@link persisted}). */
  async flush(): Promise<void> {
    this.changes++;
    await this.persisted();
  }

  /** One write of the state as it is then, atomically (temp file + rename): a kill mid-write leaves the old file. */
  private async write(): Promise<void> {
    // The changes of one request, and of the requests answered in the same turn, go into this write together.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const changes = this.changes;
    const json = JSON.stringify(this.state);
    const tmp = `${this.file}.tmp`;
    await writeFile(tmp, json, { mode: 0o600 });
    await rename(tmp, this.file);
    this.written = changes;
  }
}
