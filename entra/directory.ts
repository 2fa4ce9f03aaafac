/**
 * The contract between Joiner's lifecycle and Microsoft Entra ID. The production implementation is built on
 * `@microsoft/microsoft-graph-client` and `@azure/identity` (see `graph-directory.ts`); activities take any
 * implementation by injection.
 */
import type { EntraErrorType } from '../domain/entra-errors';
import type { NewGraphUser } from '../domain/graph-mapping';
import type { GraphUserProperties, LifecycleDateProperty } from '../domain/graph-user';

/** A user as read from Graph (the subset Joiner uses). */
export interface EntraUser extends GraphUserProperties {
  id: string;
  userPrincipalName: string;
  accountEnabled?: boolean;
  mail?: string;
}

export interface VerifiedDomain {
  name: string;
  isDefault: boolean;
  isInitial: boolean;
}

/** Identifies the tenant a call acts on: one connected tenant per company. */
export interface TenantRef {
  tenantId: string;
}

/** Result of a create: `linked` when a user with that userPrincipalName already existed (or a lost create is retried). */
export interface CreateUserResult {
  user: EntraUser;
  linked: boolean;
  /**
   * Lifecycle dates left out of the create because Graph refused them (403: no User-LifeCycleInfo permission); the
   * user was created without them. Absent when everything asked for was written (or the user was linked).
   */
  withheld?: LifecycleDateProperty[];
}

export interface EntraDirectory {
  /** Verified domain names of the tenant. */
  listVerifiedDomains(tenant: TenantRef): Promise<VerifiedDomain[]>;
  /** Checks that a token can be had and the directory read; throws an {@link EntraError} otherwise. */
  checkConnection(tenant: TenantRef): Promise<void>;
  getUser(tenant: TenantRef, idOrUpn: string): Promise<EntraUser | null>;
  /** Idempotent: an existing user with the same userPrincipalName is returned with `linked: true`. */
  createUser(tenant: TenantRef, user: NewGraphUser): Promise<CreateUserResult>;
  /** Minimal PATCH; an empty patch makes no call. */
  updateUser(tenant: TenantRef, id: string, patch: GraphUserProperties): Promise<void>;
  setManager(tenant: TenantRef, id: string, managerId: string): Promise<void>;
  /** Idempotent: no manager is not an error. */
  removeManager(tenant: TenantRef, id: string): Promise<void>;
  setEmployeeLeaveDateTime(tenant: TenantRef, id: string, leaveDateTime: string | null): Promise<void>;
  setAccountEnabled(tenant: TenantRef, id: string, enabled: boolean): Promise<void>;
  revokeSignInSessions(tenant: TenantRef, id: string): Promise<void>;
  /** Idempotent: a user already gone is not an error. */
  deleteUser(tenant: TenantRef, id: string): Promise<void>;
}

/** A failed Entra call, typed by the kind of failure the lifecycle acts on. */
export class EntraError extends Error {
  override readonly name = 'EntraError';
  constructor(
    readonly type: EntraErrorType,
    message: string,
    readonly details: {
      status?: number;
      retryAfterMs?: number;
      property?: string;
      permission?: string;
      code?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}
