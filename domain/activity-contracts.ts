/**
 * The activities the workflows call, as contracts: the Entra, store, orchestration and account activities, with the
 * shapes they exchange. Types only. They live in domain/ because workflows may import nothing that does I/O: the
 * workflows proxy these interfaces, and activities/ and orchestration/ implement them.
 */
import type { NewGraphUser } from './graph-mapping';
import type { GraphUserProperties, LifecycleDateProperty, PushedEntraState } from './graph-user';
import type { HrEmployee, HrEventType } from './hr-employee';
import type { CompanyPolicies } from './policies';
import type { LifecyclePhase } from './lifecycle-phase';

/** Result of {@link EntraActivities.createEntraUser}. */
export interface CreatedEntraUser {
  entraObjectId: string;
  userPrincipalName: string;
  /** True when a user with this userPrincipalName already existed (or a create whose response was lost). */
  linked: boolean;
  /** The user's mapped properties as Entra holds them now: the base for the next diff. */
  fields: GraphUserProperties;
  /** Lifecycle dates Graph refused in the create (a missing User-LifeCycleInfo permission): not written, not in `fields`. */
  withheld?: LifecycleDateProperty[];
  /** The employee's link to the user, when the create was asked to make it (absent from earlier versions' answers). */
  link?: EmployeeLink;
}

/** Result of {@link StoreActivities.linkEmployeeToEntraUser}. */
export type EmployeeLink =
  /** `reports`: how many employees name this one as their manager (absent when unlinking, and in earlier answers). */
  { linked: true; reports?: number } | { linked: false; linkedEmployeeId: string };

/**
 * Activities that act on Microsoft Entra ID for the employee lifecycle; implemented by `createEntraActivities(…)`
 * (activities/entra-activities.ts). Every activity takes the company id and resolves its tenant at call time, so
 * removing the integration stops Graph work at once (`EntraNotConnected`). Every write is idempotent. Failures are
 * Temporal `ApplicationFailure`s typed by `EntraErrorType` (domain/entra-errors.ts).
 */
export interface EntraActivities {
  /**
   * Verified domain names (lower case) of the company's tenant, cached for a few minutes per tenant.
   * `refresh` bypasses the cache (used when a domain is not found, so a newly verified domain is seen).
   */
  listVerifiedDomains(input: { companyId: string; refresh?: boolean }): Promise<string[]>;
  /**
   * Creates the Entra user (accountEnabled true, random password that must be changed) or links the existing user
   * with the same userPrincipalName, in one Graph write with the lifecycle dates included (a second create without
   * them only when Graph refuses them). Idempotent: a retry after a lost response links the user it created. With
   * `link`, the employee is then linked to the user (as by {@link StoreActivities.linkEmployeeToEntraUser}) in the
   * same activity, and `link` of the result says how.
   */
  createEntraUser(input: {
    companyId: string;
    employeeId: string;
    user: NewGraphUser;
    link?: boolean;
  }): Promise<CreatedEntraUser>;
  /**
   * One minimal PATCH of the user's properties; an empty patch makes no call. Idempotent. With `record`, the
   * employee's state is recorded (as by {@link StoreActivities.recordEmployeeState}) once Graph has taken the patch,
   * in the same activity: the reconciliation whose last write this is needs no second activity to record it.
   * `recorded` says whether it did (a worker of an earlier version answers nothing, and records nothing).
   */
  updateEntraUser(input: {
    companyId: string;
    entraObjectId: string;
    patch: GraphUserProperties;
    record?: EmployeeStateRecord;
  }): Promise<{ recorded: boolean } | undefined>;
  /** Sets the user's manager (`PUT …/manager/$ref`). Idempotent. */
  setEntraManager(input: { companyId: string; entraObjectId: string; managerEntraObjectId: string }): Promise<void>;
  /** Removes the user's manager (`DELETE …/manager/$ref`); no manager is not an error. */
  removeEntraManager(input: { companyId: string; entraObjectId: string }): Promise<void>;
  /** Sets (or clears, with null) employeeLeaveDateTime, a UTC `…Z` date-time. Idempotent. */
  setEntraLeaveDateTime(input: {
    companyId: string;
    entraObjectId: string;
    leaveDateTime: string | null;
  }): Promise<void>;
  /** accountEnabled false, by the `disableAccountAtLeave` policy only. Idempotent. */
  disableEntraAccount(input: { companyId: string; entraObjectId: string }): Promise<void>;
  /** accountEnabled true again, when an offboarding that disabled the account is cancelled or moved. Idempotent. */
  enableEntraAccount(input: { companyId: string; entraObjectId: string }): Promise<void>;
  /** Invalidates the user's refresh tokens and session cookies (`revokeSignInSessions`). */
  revokeEntraSessions(input: { companyId: string; entraObjectId: string }): Promise<void>;
  /** Deletes the user (by the `deleteAfterLeaveDays` policy only); a user already gone is not an error. */
  deleteEntraUser(input: { companyId: string; entraObjectId: string }): Promise<void>;
}

/** Input of {@link AccountActivities.purgeDeletedScimUser}. */
export interface PurgeScimUserInput {
  companyId: string;
  scimUserId: string;
}

/** Activities of the account lifecycle workflow; implemented by `createAccountActivities(db)` over the store. */
export interface AccountActivities {
  /**
   * Removes a deleted SCIM user's data at the end of its retention period. Idempotent: a user already removed,
   * or live again, is left alone. @returns true when data was removed
   */
  purgeDeletedScimUser(input: PurgeScimUserInput): Promise<boolean>;
}

/** A company as the lifecycle needs it: its policies and whether Graph work may run. */
export interface CompanySettings {
  exists: boolean;
  /** An Entra tenant is connected (admin consent given, or `ENTRA_TENANT_ID`) and not removed. */
  connected: boolean;
  policies: CompanyPolicies;
  /**
   * When the company last changed (its `updated_at`, ms since the epoch; 0 for a company that does not exist): of two
   * readings, the one with the higher revision is the newer. Absent from readings taken before it existed.
   */
  revision?: number;
}

/** What the database knows of an employee: the desired state and what the lifecycle last recorded. */
export interface StoredEmployee {
  snapshot: HrEmployee | null;
  /** The latest accepted HR event for this employee. */
  lastEventId: string | null;
  lastEventType: HrEventType | null;
  lastEventOccurredAt: string | null;
  entraObjectId: string | null;
  pushed: PushedEntraState | null;
}

/** Outcome of looking up the Entra object id of an employee's manager (`reportsTo`). */
export type ManagerResolution =
  | { kind: 'resolved'; entraObjectId: string }
  /** The manager is not in HR yet, or has no Entra user yet: wait for the manager's workflow. */
  | { kind: 'not-provisioned'; reason: string }
  /** Following `reportsTo` from the manager leads back to this employee. */
  | { kind: 'cycle'; chain: string[] };

export interface EmployeeStateRecord {
  companyId: string;
  employeeId: string;
  phase: LifecyclePhase;
  pushed: PushedEntraState | null;
  /** A sentence for the console, null when the last reconciliation succeeded. */
  lastError: string | null;
  /** The HR version the workflow has reconciled (null before the first reconciliation): anti-entropy reads it. */
  reconciledVersion: number | null;
}

/** The store effects of the employee lifecycle; implemented by `createStoreActivities(db)` (activities/store-activities.ts). */
export interface StoreActivities {
  /** The company's policies and connection state. Read-only. */
  loadCompanySettings(input: { companyId: string }): Promise<CompanySettings>;
  /** The stored snapshot, latest accepted event and recorded lifecycle state of an employee. Read-only. */
  loadEmployee(input: { companyId: string; employeeId: string }): Promise<StoredEmployee>;
  /**
   * Links the employee to its Entra user (null unlinks). Idempotent. An Entra user belongs to one employee: when
   * another employee already has it (two HR records with one work email), nothing changes and that employee is named.
   * A link to a user also counts the employee's reports, who wait for their manager's user.
   */
  linkEmployeeToEntraUser(input: {
    companyId: string;
    employeeId: string;
    entraObjectId: string | null;
  }): Promise<EmployeeLink>;
  /** Records phase, last pushed state and last error for the console. Idempotent. */
  recordEmployeeState(input: EmployeeStateRecord): Promise<void>;
  /** Resolves `reportsTo` to the manager's Entra object id, refusing cycles. Read-only. */
  resolveManagerEntraId(input: {
    companyId: string;
    employeeId: string;
    managerEmployeeId: string;
  }): Promise<ManagerResolution>;
  /** Employee ids of a company in id order after `after` (keyset paging), and how many there are. Read-only. */
  listEmployeeIds(input: {
    companyId: string;
    after: string | null;
    limit: number;
  }): Promise<{ employeeIds: string[]; total: number }>;
  /** Deletes settled HR events received more than `retentionDays` ago (never undelivered ones). Idempotent. */
  deleteSettledHrEvents(input: { retentionDays: number }): Promise<{ deleted: number; cutoff: string }>;
}

/**
 * Effects on other workflows; implemented by `createOrchestrationActivities(…)` in `orchestration/`, over a
 * Temporal client.
 */
export interface OrchestrationActivities {
  /**
   * Wakes the workflows of the employees whose `reportsTo` is this manager, now that the manager exists in Entra.
   * Returns how many were signalled; employees without a running workflow are skipped. Idempotent.
   */
  notifyReportsOfManager(input: {
    companyId: string;
    managerEmployeeId: string;
    managerEntraObjectId: string;
  }): Promise<number>;
  /**
   * Re-drives one employee from the database: signal-with-start of its lifecycle workflow with the stored snapshot.
   * Returns false when the database has no such employee. Idempotent.
   */
  redriveEmployee(input: { companyId: string; employeeId: string; reason: string }): Promise<boolean>;
  /**
   * How far Temporal is behind the database for a company: employees, those not reconciled at their stored HR
   * version, those that should have a running workflow and how many do. `scanWorkflows` is true when some workflows
   * are missing, so every employee must be checked. One SQL count and one visibility count. Read-only.
   */
  planEmployeeRedrive(input: { companyId: string }): Promise<EmployeeRedrivePlan>;
  /**
   * A page (keyset by id, after `after`) of the employees to re-drive: not reconciled at their stored version, and,
   * with `checkWorkflows`, also those without a running workflow. `cursor` is where the next page starts, null after
   * the last. Read-only.
   */
  findEmployeesToRedrive(input: {
    companyId: string;
    after: string | null;
    limit: number;
    checkWorkflows: boolean;
  }): Promise<{ employeeIds: string[]; scanned: number; cursor: string | null }>;
  /** Registers Joiner's search attributes where Temporal lacks them; returns the names added. Idempotent. */
  registerSearchAttributes(): Promise<string[]>;
  /** Every company's id. Read-only. */
  listCompanyIds(): Promise<string[]>;
}

/** See {@link OrchestrationActivities.planEmployeeRedrive}. */
export interface EmployeeRedrivePlan {
  total: number;
  unreconciled: number;
  expectedRunning: number;
  running: number;
  scanWorkflows: boolean;
}
