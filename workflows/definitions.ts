/**
 * Messages, names and shapes shared by the workflows, the API and the tools (as the Temporal UI shows them:
 * docs/temporal.md). Pure: workflow code
 * and Node processes both import this file.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CompanySettings } from '../domain/activity-contracts';
import type { HrEmployee, HrEventType } from '../domain/hr-employee';
import type { PushedEntraState } from '../domain/graph-user';
import type { LifecyclePhase } from '../domain/lifecycle-phase';

/** Workflow type names (docs/temporal.md). */
export const WorkflowType = {
  EmployeeLifecycle: 'employeeLifecycleWorkflow',
  ResyncCompany: 'resyncCompanyWorkflow',
  AntiEntropy: 'antiEntropyWorkflow',
  HrEventHousekeeping: 'hrEventHousekeepingWorkflow',
} as const;

/** `employee/<companyId>/<employeeId>`: one long-lived workflow per employee. */
export function employeeWorkflowId(companyId: string, employeeId: string): string {
  return `employee/${companyId}/${employeeId}`;
}

/** `resync/<companyId>`: at most one resync of a company runs at a time. */
export function resyncWorkflowId(companyId: string): string {
  return `resync/${companyId}`;
}

/** The id of the anti-entropy run started by hand or at process start (scheduled runs get the schedule's ids). */
export const antiEntropyWorkflowId = 'anti-entropy';

/** The Temporal Schedule that runs {@link WorkflowType.AntiEntropy} periodically. */
export const antiEntropyScheduleId = 'joiner-anti-entropy';

/** The Temporal Schedule that runs {@link WorkflowType.HrEventHousekeeping} once a day. */
export const hrEventHousekeepingScheduleId = 'joiner-hr-event-housekeeping';

/** Input of {@link WorkflowType.HrEventHousekeeping}. */
export interface HrEventHousekeepingInput {
  /** Settled HR events (delivered, or stale) received longer ago than this are deleted. */
  retentionDays: number;
}

/**
 * Search attributes (keywords) that make employees findable in the Temporal UI. Defined here because the workflow
 * upserts them; the list a namespace must know is `joinerSearchAttributes` (orchestration/search-attributes.ts).
 */
export const CompanyIdSearchAttribute = defineSearchAttributeKey('CompanyId', 'KEYWORD');
export const EmployeeIdSearchAttribute = defineSearchAttributeKey('EmployeeId', 'KEYWORD');
export const WorkEmailSearchAttribute = defineSearchAttributeKey('WorkEmail', 'KEYWORD');
export const LifecyclePhaseSearchAttribute = defineSearchAttributeKey('LifecyclePhase', 'KEYWORD');

/** Input of {@link WorkflowType.EmployeeLifecycle}. `carried` is set only by continue-as-new. */
export interface EmployeeLifecycleInput {
  companyId: string;
  employeeId: string;
  carried?: EmployeeLifecycleCarriedState;
  /** Continue-as-new once history reaches this many events (tests lower it); default 2,000. */
  historyLimit?: number;
}

/** A new HR snapshot of this employee, as accepted by the webhook (or re-read from the database by a resync). */
export interface HrSnapshotSignal {
  eventId: string;
  eventType: HrEventType;
  occurredAt: string;
  employee: HrEmployee;
  /**
   * The company's settings as the sender read them just before it signalled (the HR outbox relay sends them): the
   * reconciliation this snapshot starts uses them instead of reading them again, unless it has seen newer ones.
   */
  company?: CompanySettings;
}

/** The employee's manager now exists in Entra: sent by the manager's workflow to its waiting reports. */
export interface ManagerProvisionedSignal {
  managerEmployeeId: string;
  managerEntraObjectId: string;
}

export const hrSnapshotSignal = defineSignal<[HrSnapshotSignal]>('hrSnapshot');
export const managerProvisionedSignal = defineSignal<[ManagerProvisionedSignal]>('managerProvisioned');

export const LifecycleTimerKind = {
  /** Create the Entra user `provisionLeadDays` before the hire date. */
  Provision: 'provision',
  /** The leave moment: phase becomes `left`; disable / revoke sessions when the policies say so. */
  Leave: 'leave',
  /** Delete the Entra user `deleteAfterLeaveDays` after the leave moment. */
  Delete: 'delete',
  /** Backstop while waiting for the manager's Entra user (the manager's workflow normally signals first). */
  ManagerBackstop: 'manager-backstop',
  /** Retry after a `blocked` phase or a failure that outlived its retries. */
  Retry: 'retry',
  /** Re-check the verified domains or the connection of the tenant. */
  Recheck: 'recheck',
} as const;
export type LifecycleTimerKind = (typeof LifecycleTimerKind)[keyof typeof LifecycleTimerKind];

export interface PendingTimer {
  kind: LifecycleTimerKind;
  /** UTC ISO date-time at which the timer fires. */
  dueAt: string;
  description: string;
}

/** A failure the workflow recorded instead of retrying hot (docs/entra.md, Errors). */
export interface LifecycleError {
  /** An `EntraErrorType`, `ManagerRefused`, or the Temporal failure type. */
  type: string;
  message: string;
  /** The Graph property or permission involved, when known. */
  target?: string;
  at: string;
}

/** The manager as the workflow sees it. */
export interface ManagerState {
  employeeId: string;
  status: 'set' | 'waiting' | 'refused';
  entraObjectId?: string;
  reason?: string;
}

/** What the `state` query returns: the workflow's view of the employee. */
export interface EmployeeLifecycleState {
  companyId: string;
  employeeId: string;
  phase: LifecyclePhase;
  /** Why the workflow is waiting (missing fields, unverified domain, …), when it is. */
  waitingReason: string | null;
  hrVersion: number | null;
  /** The HR version the last completed reconciliation applied: Entra is in line with HR when it equals `hrVersion`. */
  reconciledHrVersion: number | null;
  lastEventId: string | null;
  entraObjectId: string | null;
  userPrincipalName: string | null;
  lastPushed: PushedEntraState | null;
  manager: ManagerState | null;
  pendingTimers: PendingTimer[];
  lastError: LifecycleError | null;
  /** Number of completed reconciliations (each applies the latest snapshot); useful to wait for a change in tests. */
  reconciliations: number;
}

/** State handed from one run to the next by continue-as-new. */
export interface EmployeeLifecycleCarriedState {
  snapshot: HrEmployee | null;
  lastEventId: string | null;
  lastEventType: HrEventType | null;
  hrDeleted: boolean;
  entraObjectId: string | null;
  lastPushed: PushedEntraState | null;
  lastError: LifecycleError | null;
  /** Consecutive failed reconciliations, for the backoff of the retry timer. */
  failedReconciliations: number;
  reconciliations: number;
  /** A change arrived that has not been reconciled yet. */
  dirty: boolean;
}

export const stateQuery = defineQuery<EmployeeLifecycleState>('state');

/**
 * Which employees a resync re-drives. `all`: every employee (after a tenant is connected or policies change, or to
 * push HR again over drift in Entra). `missing` (anti-entropy): only those Temporal has not caught up with, whose
 * stored HR version is newer than the one their workflow reconciled, or whose workflow does not exist.
 */
export const ResyncScope = { All: 'all', Missing: 'missing' } as const;
export type ResyncScope = (typeof ResyncScope)[keyof typeof ResyncScope];

/** Input of {@link WorkflowType.ResyncCompany}. */
export interface ResyncCompanyInput {
  companyId: string;
  reason: string;
  /** Default `all`. */
  scope?: ResyncScope;
  /** How many employees are re-driven at once; default 20. */
  concurrency?: number;
  /** Continue-as-new carry-over. */
  carried?: ResyncProgress;
  /** Continue-as-new carry-over: the reason of a full resync asked for while this chain ran. */
  fullRunRequested?: string;
}

export interface ResyncProgress {
  scope: ResyncScope;
  /** Employees known to the database when the resync started (or at the latest page). */
  total: number | null;
  /** Employees looked at so far (for `missing`, only the pages it had to read). */
  scanned: number;
  redriven: number;
  failed: number;
  /** Employee ids that could not be re-driven, with the reason (at most 100 kept). */
  failures: { employeeId: string; message: string }[];
  /** Last employee id handed out (keyset paging cursor). */
  cursor: string | null;
  done: boolean;
}

export const resyncProgressQuery = defineQuery<ResyncProgress>('progress');

/** A full resync asked for while a company's resync runs (see {@link resyncRequestedSignal}). */
export interface ResyncRequestedSignal {
  reason: string;
}

/**
 * Sent to a running resync (a company's, or the anti-entropy run of every company) when a full one is asked for (a
 * tenant connected, a policy changed, `joiner resync`): the running one cannot cover it (it may be the narrower
 * anti-entropy scope, or already past employees the change concerns), so once it ends it continues as a new full
 * run. Requests while it runs coalesce into one.
 */
export const resyncRequestedSignal = defineSignal<[ResyncRequestedSignal]>('resyncRequested');

/** Input of {@link WorkflowType.AntiEntropy}. */
export interface AntiEntropyInput {
  reason: string;
  /** Default `missing`. */
  scope?: ResyncScope;
}

/** What an anti-entropy run did, per company. */
export interface AntiEntropyResult {
  /** Search attributes it had to register again (Temporal had lost them). */
  registeredSearchAttributes: string[];
  companies: {
    companyId: string;
    /** The company's resync; null when one was already running (left to finish; asked for a full run if this is one). */
    progress: ResyncProgress | null;
  }[];
}

/**
 * Options for signal-with-start of an employee's lifecycle workflow with a snapshot: the one way HR changes reach
 * Temporal (the webhook, the outbox relay and a resync all use it). Pass to `client.workflow.signalWithStart(
 * WorkflowType.EmployeeLifecycle, …)`. Starts the workflow when it is not running, with its search attributes.
 */
export function employeeSignalWithStartOptions(taskQueue: string, companyId: string, signal: HrSnapshotSignal) {
  const input: EmployeeLifecycleInput = { companyId, employeeId: signal.employee.id };
  return {
    workflowId: employeeWorkflowId(companyId, signal.employee.id),
    taskQueue,
    args: [input] as [EmployeeLifecycleInput],
    signal: hrSnapshotSignal,
    signalArgs: [signal] as [HrSnapshotSignal],
    typedSearchAttributes: [
      { key: CompanyIdSearchAttribute, value: companyId },
      { key: EmployeeIdSearchAttribute, value: signal.employee.id },
      ...(signal.employee.workEmail === null
        ? []
        : [{ key: WorkEmailSearchAttribute, value: signal.employee.workEmail }]),
    ],
  };
}
