/**
 * The activity contracts the workflows call, beyond the Entra activities (`entra-activities.ts`): the store
 * activities and the orchestration activities, with the shapes they exchange. Types only, so workflows can import
 * them.
 */
import type { PushedEntraState } from '../domain/graph-user';
import type { HrEmployee, HrEventType } from '../domain/hr-employee';
import type { CompanyPolicies } from '../domain/policies';
import type { LifecyclePhase } from '../domain/lifecycle-phase';

/** A company as the lifecycle needs it: its policies and whether Graph work may run. */
export interface CompanySettings {
  exists: boolean;
  /** An Entra tenant is connected (admin consent given, or `ENTRA_TENANT_ID`) and not removed. */
  connected: boolean;
  policies: CompanyPolicies;
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

/** The store effects of the employee lifecycle; implemented by `createStoreActivities(db)` (`store-activities.ts`). */
export interface StoreActivities {
  /** The company's policies and connection state. Read-only. */
  loadCompanySettings(input: { companyId: string }): Promise<CompanySettings>;
  /** The stored snapshot, latest accepted event and recorded lifecycle state of an employee. Read-only. */
  loadEmployee(input: { companyId: string; employeeId: string }): Promise<StoredEmployee>;
  /**
   * Links the employee to its Entra user (null unlinks). Idempotent. An Entra user belongs to one employee: when
   * another employee already has it (two HR records with one work email), nothing changes and that employee is named.
   */
  linkEmployeeToEntraUser(input: {
    companyId: string;
    employeeId: string;
    entraObjectId: string | null;
  }): Promise<{ linked: true } | { linked: false; linkedEmployeeId: string }>;
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
