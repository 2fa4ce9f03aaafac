/**
 * The contract between Joiner's lifecycle and Microsoft Entra ID. The production implementation is built on
 * `@microsoft/microsoft-graph-client` and `@azure/identity` (see `graph-directory.ts`); activities take any
 * implementation by injection.
 */
import type { GraphUserProperties } from '../domain/graph-user';

/** What creating a user needs beyond the mapped fields; the password is generated inside the client, never passed. */
export interface NewEntraUser extends GraphUserProperties {
  userPrincipalName: string;
  displayName: string;
  mailNickname: string;
}

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
}

export interface EntraDirectory {
  /** Verified domain names of the tenant. */
  listVerifiedDomains(tenant: TenantRef): Promise<VerifiedDomain[]>;
  /** Checks that a token can be had and the directory read; throws an {@link EntraError} otherwise. */
  checkConnection(tenant: TenantRef): Promise<void>;
  getUser(tenant: TenantRef, idOrUpn: string): Promise<EntraUser | null>;
  findUserByMail(tenant: TenantRef, mail: string): Promise<EntraUser | null>;
  /** Idempotent: an existing user with the same userPrincipalName is returned with `linked: true`. */
  createUser(tenant: TenantRef, user: NewEntraUser): Promise<CreateUserResult>;
  /** Minimal PATCH; an empty patch makes no call. */
  updateUser(tenant: TenantRef, id: string, patch: GraphUserProperties): Promise<void>;
  setManager(tenant: TenantRef, id: string, managerId: string): Promise<void>;
  /** Idempotent: no manager is not an error. */
  removeManager(tenant: TenantRef, id: string): Promise<void>;
  getManagerId(tenant: TenantRef, id: string): Promise<string | null>;
  setEmployeeLeaveDateTime(tenant: TenantRef, id: string, leaveDateTime: string | null): Promise<void>;
  setAccountEnabled(tenant: TenantRef, id: string, enabled: boolean): Promise<void>;
  revokeSignInSessions(tenant: TenantRef, id: string): Promise<void>;
  /** Idempotent: a user already gone is not an error. */
  deleteUser(tenant: TenantRef, id: string): Promise<void>;
}

/** The failure kinds workflows act on. Also used as Temporal `ApplicationFailure` types. */
export const EntraErrorType = {
  /** 429 (or 503 with Retry-After): wait `retryAfterMs` and try again. */
  Throttled: 'EntraThrottled',
  /** 5xx, network failure, timeout: retry with backoff. */
  Transient: 'EntraTransient',
  /** 404: the object does not exist, or not yet (replication lag right after a create). */
  NotFound: 'EntraNotFound',
  /** An object with the same unique value exists (e.g. userPrincipalName, proxyAddresses). */
  Conflict: 'EntraConflict',
  /** 400: a value Graph refuses; `property` names it when Graph says. Not retried until the input changes. */
  InvalidValue: 'EntraInvalidValue',
  /** 403: the app lacks a permission; `permission` names it when known. Not retried until reconnect. */
  PermissionDenied: 'EntraPermissionDenied',
  /** No usable credentials for the tenant: not connected, consent revoked (AADSTS7000229), invalid_client. */
  NotConnected: 'EntraNotConnected',
} as const;
export type EntraErrorType = (typeof EntraErrorType)[keyof typeof EntraErrorType];

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
