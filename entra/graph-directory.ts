import { GraphError } from '@microsoft/microsoft-graph-client';
import type { Client, GraphRequest } from '@microsoft/microsoft-graph-client';
import type { Logger } from 'pino';
import type { GraphUserProperties } from '../domain/graph-user';
import { LIFECYCLE_DATE_PROPERTIES, MANAGED_GRAPH_PROPERTIES } from '../domain/graph-user';
import { EntraError } from './directory';
import { EntraErrorType } from '../domain/entra-errors';
import type { CreateUserResult, EntraDirectory, EntraUser, TenantRef, VerifiedDomain } from './directory';
import type { NewGraphUser } from '../domain/graph-mapping';
import { GraphClients } from './graph-clients';
import type { GraphConnectionOptions } from './graph-clients';
import { conflictProperty, GraphPermission, mapGraphError } from './graph-errors';
import type { GraphCallContext } from './graph-errors';
import { generateInitialPassword } from './password';
import { recordGraphCall, recordThrottleWait, ThrottleSource } from '../observability/metrics';

/** The logger calls the client makes (pino's `Logger` fits). Entries never hold secrets, tokens or passwords. */
export type EntraLogger = Pick<Logger, 'debug' | 'warn'>;

/** Construction options of {@link GraphDirectory}. */
export interface GraphDirectoryOptions extends GraphConnectionOptions {
  logger?: EntraLogger;
}

/** The user properties read back from Graph (`$select`): what {@link EntraUser} holds, the managed ones included. */
const userSelect = [
  'id',
  'userPrincipalName',
  'accountEnabled',
  ...MANAGED_GRAPH_PROPERTIES,
] as const satisfies readonly (keyof EntraUser)[];

/** The defined entries of `fields` (undefined means "leave as is"; null stays, it clears). */
function definedFields<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function toEntraUser(raw: Record<string, unknown>): EntraUser {
  const user: Record<string, unknown> = {};
  for (const key of userSelect) {
    if (raw[key] !== undefined) user[key] = raw[key];
  }
  if (typeof user.id !== 'string' || typeof user.userPrincipalName !== 'string') {
    throw new EntraError(EntraErrorType.Transient, 'Graph returned a user without id or userPrincipalName');
  }
  return user as unknown as EntraUser;
}

/** What {@link GraphDirectory.probeConnection} found. */
export interface ConnectionProbe {
  /** Application permissions granted to the app in the tenant, as Graph's token lists them. */
  grantedPermissions: string[];
  /** The tenant's verified domains; null when Organization.Read.All, which reading them needs, is not granted. */
  verifiedDomains: VerifiedDomain[] | null;
}

/** The `roles` claim of a JWT access token (no signature check: the token came straight from the token endpoint). */
function tokenRoles(token: string): string[] {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      roles?: unknown;
    };
    return Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof GraphError && error.statusCode === 404;
}

/**
 * Joiner's production {@link EntraDirectory}: Microsoft Graph v1.0 through `@microsoft/microsoft-graph-client` with
 * app-only tokens from `@azure/identity` (client credentials), one credential and client per tenant.
 *
 * Every method throws only {@link EntraError}s (see {@link mapGraphError} for the mapping):
 * `EntraThrottled` (with `retryAfterMs`), `EntraTransient`, `EntraNotFound`, `EntraConflict`, `EntraInvalidValue`
 * (with `property`), `EntraPermissionDenied` (with `permission`) and `EntraNotConnected`. Throttling with a Retry-After
 * of up to a second is retried in-process (see {@link DEFAULT_IN_PROCESS_RETRY}); everything else is the caller's to
 * retry. Secrets, tokens and the generated passwords never reach logs or error messages.
 */
export class GraphDirectory implements EntraDirectory {
  private readonly clients: GraphClients;
  private readonly logger: EntraLogger | undefined;

  /** Builds nothing on the network yet: credentials and clients are made per tenant on first use. */
  constructor(options: GraphDirectoryOptions) {
    this.clients = new GraphClients(options);
    this.logger = options.logger;
  }

  /**
   * The verified domains of the tenant, from the organization's `verifiedDomains` (GET /organization), which needs
   * only Organization.Read.All (GET /domains would need Domain.Read.All too). Read-only, so safe to repeat.
   * @throws EntraError PermissionDenied (Organization.Read.All), NotConnected, Throttled, Transient
   */
  async listVerifiedDomains(tenant: TenantRef): Promise<VerifiedDomain[]> {
    const context = {
      name: 'listVerifiedDomains',
      operation: 'list verified domains',
      permission: GraphPermission.OrganizationReadAll,
    };
    return this.call(tenant, context, async (client) => {
      const page = (await this.request(client, '/organization').select(['id', 'verifiedDomains']).get()) as GraphPage<{
        verifiedDomains?: { name: string; isDefault?: boolean; isInitial?: boolean }[];
      }>;
      return (page.value[0]?.verifiedDomains ?? []).map((domain) => ({
        name: domain.name,
        isDefault: domain.isDefault === true,
        isInitial: domain.isInitial === true,
      }));
    });
  }

  /**
   * Checks the tenant connection end to end: a fresh token (not the cached one, so revoked consent shows at once)
   * and a read of the organization. Also drops the tenant's cached token, so that permissions granted or removed
   * since it was issued apply to the next calls. Read-only.
   * @throws EntraError NotConnected (with the AADSTS code: consent missing or revoked, bad secret, unknown app or
   * tenant), PermissionDenied (Organization.Read.All), Throttled, Transient
   */
  async checkConnection(tenant: TenantRef): Promise<void> {
    const context: GraphCallContext = {
      name: 'checkConnection',
      operation: 'check the connection',
      permission: GraphPermission.OrganizationReadAll,
    };
    try {
      await this.clients.freshCredential(tenant.tenantId).getToken(this.clients.scope);
    } catch (error) {
      throw await this.mapError(tenant, error, context);
    }
    this.clients.forget(tenant.tenantId);
    await this.call(tenant, context, async (client) => {
      const organizations = (await this.request(client, '/organization').select(['id']).get()) as GraphPage<{
        id: string;
      }>;
      if (organizations.value.length === 0) {
        throw new EntraError(EntraErrorType.NotConnected, `tenant ${tenant.tenantId} returned no organization`);
      }
    });
  }

  /**
   * What the console shows for a connection: the application permissions the tenant granted the app (the `roles`
   * of a fresh app-only token: Entra puts exactly the admin-consented application permissions there) and the
   * tenant's verified domains. Joiner only reads the token's claims for this; Graph still checks it on every call.
   * Read-only.
   * @throws EntraError NotConnected (with the AADSTS code: consent missing or revoked, bad or expired secret, unknown
   * app or tenant), PermissionDenied (Organization.Read.All, for the domains), Throttled, Transient
   */
  async probeConnection(tenant: TenantRef): Promise<ConnectionProbe> {
    const context: GraphCallContext = {
      operation: 'check the connection',
      permission: GraphPermission.OrganizationReadAll,
    };
    let token: string;
    try {
      const issued = await this.clients.freshCredential(tenant.tenantId).getToken(this.clients.scope);
      token = issued.token;
    } catch (error) {
      throw await this.mapError(tenant, error, context);
    }
    this.clients.forget(tenant.tenantId);
    const grantedPermissions = tokenRoles(token);
    const verifiedDomains = grantedPermissions.includes(GraphPermission.OrganizationReadAll)
      ? await this.listVerifiedDomains(tenant)
      : null;
    return { grantedPermissions, verifiedDomains };
  }

  /**
   * The user with this object id or userPrincipalName, or `null` when Graph answers 404 (which right after a create
   * can also mean "not replicated yet"). Read-only.
   * @throws EntraError PermissionDenied (User.Read.All), NotConnected, Throttled, Transient, InvalidValue
   */
  async getUser(tenant: TenantRef, idOrUpn: string): Promise<EntraUser | null> {
    // A userPrincipalName is personal data: neither the message nor the log line may carry it, an object id may.
    const byUpn = idOrUpn.includes('@');
    const context: GraphCallContext = {
      name: 'getUser',
      operation: byUpn ? 'get user by userPrincipalName' : `get user ${idOrUpn}`,
      permission: GraphPermission.UserReadAll,
      ...(byUpn ? {} : { userId: idOrUpn }),
    };
    return this.call(tenant, context, async (client) => {
      try {
        const raw = (await this.request(client, `/users/${encodeURIComponent(idOrUpn)}`)
          .select([...userSelect])
          .get()) as Record<string, unknown>;
        return toEntraUser(raw);
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    });
  }

  /**
   * Creates an enabled user with a random strong password (never logged or returned) that must be changed at first
   * sign-in, in one write: the lifecycle dates (employeeHireDate, employeeLeaveDateTime) go in the create. Only when
   * Graph refuses that create with a 403 (the app lacks User-LifeCycleInfo.ReadWrite.All) is the user created again
   * without them; `withheld` names them, so the caller writes them apart and a missing permission blocks only them.
   * Idempotent: when a user with the same userPrincipalName already exists — including one made by an earlier attempt
   * whose response was lost — it is read and returned with `linked: true` instead.
   * @throws EntraError Conflict (another user has this mail/proxyAddresses: `property` names it), NotFound (the
   * existing user cannot be read yet: replication lag, retry), InvalidValue (names the property), PermissionDenied
   * (User.ReadWrite.All), NotConnected, Throttled, Transient
   */
  async createUser(tenant: TenantRef, user: NewGraphUser): Promise<CreateUserResult> {
    const fields = Object.fromEntries(
      Object.entries(user).filter(([, value]) => value !== undefined && value !== null),
    ) as Partial<NewGraphUser>;
    const lifecycle = LIFECYCLE_DATE_PROPERTIES.filter((key) => fields[key] !== undefined);
    let withheld: (typeof LIFECYCLE_DATE_PROPERTIES)[number][] = [];
    let created: EntraUser | null;
    try {
      created = await this.postUser(tenant, fields);
    } catch (error) {
      if (!(error instanceof EntraError && error.type === EntraErrorType.PermissionDenied) || lifecycle.length === 0) {
        throw error;
      }
      withheld = lifecycle;
      const profile: Partial<NewGraphUser> = { ...fields };
      for (const key of withheld) delete profile[key];
      created = await this.postUser(tenant, profile);
    }
    if (created !== null)
      return withheld.length > 0 ? { user: created, linked: false, withheld } : { user: created, linked: false };

    const existing = await this.getUser(tenant, user.userPrincipalName);
    if (existing === null) {
      throw new EntraError(
        EntraErrorType.NotFound,
        'create user: a user with this userPrincipalName exists but cannot be read yet (replication lag); retry to link it',
        { status: 404, property: 'userPrincipalName' },
      );
    }
    this.logger?.debug(
      { tenantId: tenant.tenantId, userId: existing.id },
      'linked existing Entra user by userPrincipalName',
    );
    return { user: existing, linked: true };
  }

  /** One POST /users; null when the userPrincipalName is taken (the caller links that user). */
  private async postUser(tenant: TenantRef, fields: Partial<NewGraphUser>): Promise<EntraUser | null> {
    const context: GraphCallContext = {
      name: 'createUser',
      operation: 'create user',
      properties: fields,
      permission: GraphPermission.UserReadWriteAll,
    };
    return this.call(tenant, context, async (client) => {
      try {
        const raw = (await this.request(client, '/users').post({
          ...fields,
          accountEnabled: true,
          passwordProfile: { forceChangePasswordNextSignIn: true, password: generateInitialPassword() },
        })) as Record<string, unknown>;
        // The 201 holds only Graph's default property set: complete it with what was written.
        return toEntraUser({ ...fields, accountEnabled: true, ...raw });
      } catch (error) {
        if (error instanceof GraphError && conflictProperty(error) === 'userPrincipalName') return null;
        throw error;
      }
    });
  }

  /**
   * Writes the given properties (minimal PATCH: `undefined` keys are left out, `null` clears). An empty patch makes
   * no call. Idempotent.
   * @throws EntraError NotFound (unknown user, or not replicated yet), InvalidValue (names the property), Conflict
   * (mail taken), PermissionDenied (User.ReadWrite.All; User-LifeCycleInfo.ReadWrite.All for employee dates),
   * NotConnected, Throttled, Transient
   */
  async updateUser(tenant: TenantRef, id: string, patch: GraphUserProperties): Promise<void> {
    await this.patchUser(tenant, id, definedFields(patch), 'updateUser', `update user ${id}`);
  }

  /**
   * Makes `managerId` the user's manager (PUT …/manager/$ref). Idempotent: setting the same manager again succeeds.
   * @throws EntraError NotFound (user or manager unknown or not replicated yet), PermissionDenied (User.ReadWrite.All),
   * NotConnected, Throttled, Transient
   */
  async setManager(tenant: TenantRef, id: string, managerId: string): Promise<void> {
    const context = {
      name: 'setManager',
      operation: `set manager of user ${id} to ${managerId}`,
      userId: id,
      permission: GraphPermission.UserReadWriteAll,
    };
    await this.call(tenant, context, async (client) => {
      await this.request(client, `/users/${encodeURIComponent(id)}/manager/$ref`).put({
        '@odata.id': `${this.clients.graphBaseUrl}/v1.0/users/${encodeURIComponent(managerId)}`,
      });
    });
  }

  /**
   * Removes the user's manager (DELETE …/manager/$ref). Idempotent: no manager (404) is success.
   * @throws EntraError PermissionDenied (User.ReadWrite.All), NotConnected, Throttled, Transient
   */
  async removeManager(tenant: TenantRef, id: string): Promise<void> {
    const context = {
      name: 'removeManager',
      operation: `remove manager of user ${id}`,
      userId: id,
      permission: GraphPermission.UserReadWriteAll,
    };
    await this.call(tenant, context, async (client) => {
      try {
        await this.request(client, `/users/${encodeURIComponent(id)}/manager/$ref`).delete();
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
  }

  /**
   * Sets (or with `null` clears) employeeLeaveDateTime, an Edm.DateTimeOffset such as `2027-03-31T23:59:59Z`.
   * Idempotent.
   * @throws EntraError PermissionDenied (User-LifeCycleInfo.ReadWrite.All), InvalidValue (property
   * `employeeLeaveDateTime`, e.g. a bare date), NotFound, NotConnected, Throttled, Transient
   */
  async setEmployeeLeaveDateTime(tenant: TenantRef, id: string, leaveDateTime: string | null): Promise<void> {
    await this.patchUser(
      tenant,
      id,
      { employeeLeaveDateTime: leaveDateTime },
      'setEmployeeLeaveDateTime',
      `set employeeLeaveDateTime of user ${id}`,
    );
  }

  /**
   * Enables or disables sign-in (accountEnabled). Idempotent.
   * @throws EntraError PermissionDenied (User.EnableDisableAccount.All), NotFound, NotConnected, Throttled, Transient
   */
  async setAccountEnabled(tenant: TenantRef, id: string, enabled: boolean): Promise<void> {
    await this.patchUser(
      tenant,
      id,
      { accountEnabled: enabled },
      'setAccountEnabled',
      `${enabled ? 'enable' : 'disable'} user ${id}`,
    );
  }

  /**
   * Invalidates the user's refresh tokens and session cookies (POST …/revokeSignInSessions). Idempotent in effect.
   * @throws EntraError NotFound, PermissionDenied (User.RevokeSessions.All), NotConnected, Throttled, Transient
   */
  async revokeSignInSessions(tenant: TenantRef, id: string): Promise<void> {
    const context = {
      name: 'revokeSignInSessions',
      operation: `revoke sign-in sessions of user ${id}`,
      userId: id,
      permission: GraphPermission.RevokeSessionsAll,
    };
    await this.call(tenant, context, async (client) => {
      await this.request(client, `/users/${encodeURIComponent(id)}/revokeSignInSessions`).post({});
    });
  }

  /**
   * Deletes the user (it goes to Entra's deleted items for 30 days). Idempotent: a user already gone (404) is success.
   * @throws EntraError PermissionDenied (User.ReadWrite.All), NotConnected, Throttled, Transient
   */
  async deleteUser(tenant: TenantRef, id: string): Promise<void> {
    const context = {
      name: 'deleteUser',
      operation: `delete user ${id}`,
      userId: id,
      permission: GraphPermission.UserReadWriteAll,
    };
    await this.call(tenant, context, async (client) => {
      try {
        await this.request(client, `/users/${encodeURIComponent(id)}`).delete();
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
  }

  /**
   * Drops the tenant's cached credential, token and client, so that the next call fetches a new token: after the
   * tenant was disconnected, reconnected or its consented permissions changed (tokens carry the roles granted when
   * they were issued, for up to an hour).
   */
  forgetTenant(tenant: TenantRef): void {
    this.clients.forget(tenant.tenantId);
  }

  /** Checks that the identity platform and Graph answer (no token, no tenant): see {@link GraphClients.checkReachable}. */
  checkReachable(): Promise<void> {
    return this.clients.checkReachable();
  }

  /** Closes network resources (the connection pool). The directory must not be used afterwards. */
  async close(): Promise<void> {
    await this.clients.close();
  }

  private async patchUser(
    tenant: TenantRef,
    id: string,
    properties: Record<string, unknown>,
    name: string,
    operation: string,
  ): Promise<void> {
    if (Object.keys(properties).length === 0) return;
    const context = { name, operation, properties, userId: id, permission: GraphPermission.UserReadWriteAll };
    await this.call(tenant, context, async (client) => {
      await this.request(client, `/users/${encodeURIComponent(id)}`).patch(properties);
    });
  }

  private request(client: Client, path: string): GraphRequest {
    return client.api(path).option('signal', AbortSignal.timeout(this.clients.requestTimeoutMs));
  }

  /** Runs one Graph call for the tenant and maps whatever it throws to an {@link EntraError}. */
  private async call<T>(tenant: TenantRef, context: GraphCallContext, run: (client: Client) => Promise<T>): Promise<T> {
    const started = Date.now();
    const name = context.name ?? 'other';
    try {
      const result = await run(this.clients.forTenant(tenant.tenantId).client);
      recordGraphCall(name, 'ok', (Date.now() - started) / 1000);
      this.logger?.debug({ tenantId: tenant.tenantId, operation: name, ms: Date.now() - started }, 'Graph call');
      return result;
    } catch (error) {
      const mapped = await this.mapError(tenant, error, context);
      recordGraphCall(name, mapped.type, (Date.now() - started) / 1000);
      if (mapped.type === EntraErrorType.Throttled) {
        recordThrottleWait(ThrottleSource.Graph, (mapped.details.retryAfterMs ?? 0) / 1000);
      }
      throw mapped;
    }
  }

  private async mapError(tenant: TenantRef, error: unknown, context: GraphCallContext): Promise<EntraError> {
    let mapped = mapGraphError(error, context);
    if (mapped.details.code === 'endpoints_resolution_error') {
      mapped = await this.clients.diagnoseAuthority(tenant.tenantId, error);
    }
    // Not mapped.message: Graph's text can quote a written value (a name, a mail). The line carries ids and codes only.
    this.logger?.warn(
      {
        tenantId: tenant.tenantId,
        operation: context.name ?? 'other',
        ...(context.userId === undefined ? {} : { userId: context.userId }),
        type: mapped.type,
        status: mapped.details.status,
        code: mapped.details.code,
        retryAfterMs: mapped.details.retryAfterMs,
        property: mapped.details.property,
        permission: mapped.details.permission,
      },
      'Graph call failed',
    );
    return mapped;
  }
}

interface GraphPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
}
