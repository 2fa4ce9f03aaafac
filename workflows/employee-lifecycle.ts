/**
 * employeeLifecycleWorkflow: one long-lived workflow per HR employee (id `employee/<companyId>/<employeeId>`) that
 * keeps the Entra user in line with the HR record (the rules: docs/mapping.md; the names: docs/temporal.md).
 *
 * Shape: signals only mark the workflow dirty; a single loop reconciles the latest snapshot, then sleeps until the next
 * change or the earliest of its timers (hire lead time, leave moment, delete, manager backstop, retry). Timers are
 * recomputed from the snapshot and the policies after every reconciliation, so a changed or cancelled offboarding
 * reschedules or cancels them without bookkeeping, and every timer survives worker restarts as a Temporal timer.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  CompanySettings,
  EmployeeStateRecord,
  EntraActivities,
  StoreActivities,
} from '../domain/activity-contracts';
import type { PushedEntraState } from '../domain/graph-user';
import { LifecyclePhase } from '../domain/lifecycle-phase';
import { entraObjectLinkedSignal } from './account-definitions';
import { graphReadActivity, storeActivity } from './activity-options';
import type {
  EmployeeLifecycleCarriedState,
  EmployeeLifecycleInput,
  EmployeeLifecycleState,
  HrSnapshotSignal,
  LifecycleError,
  ManagerState,
  PendingTimer,
} from './definitions';
import {
  LifecyclePhaseSearchAttribute,
  LifecycleTimerKind,
  WorkEmailSearchAttribute,
  hrSnapshotSignal,
  managerProvisionedSignal,
  stateQuery,
} from './definitions';
import type { ReconcileOutcome } from './employee-reconcile';
import { NotConnectedError, fewerOnboardingActivitiesPatch, reconcileEmployee, recheckMs } from './employee-reconcile';

const directory = proxyActivities<StoreActivities>(storeActivity);
const entraRead = proxyActivities<Pick<EntraActivities, 'listVerifiedDomains'>>(graphReadActivity);

/** Continue-as-new well before Temporal's 50k-event limit; the carried state is small. */
const defaultHistoryLimit = 2_000;
/** Retry after a refusal: 15 min, doubling, at most a day. After an outage that outlived its retries: 1 min to 1 h. */
const refusalRetry = { firstMs: 15 * 60_000, maxMs: 24 * 60 * 60_000 };
const outageRetry = { firstMs: 60_000, maxMs: 60 * 60_000 };
/** Marks histories whose reconciliations use the company settings sent with a snapshot instead of reading them. */
const companySentWithSnapshotPatch = 'company-settings-sent-with-snapshot';
/** Marks histories whose last Graph write of a reconciliation may record the employee's state (no activity after). */
const stateRecordedWithWritePatch = 'state-recorded-with-write';

function initialState(): EmployeeLifecycleCarriedState {
  return {
    snapshot: null,
    lastEventId: null,
    lastEventType: null,
    hrDeleted: false,
    entraObjectId: null,
    lastPushed: null,
    lastError: null,
    failedReconciliations: 0,
    reconciliations: 0,
    dirty: true,
  };
}

/** Keeps one employee's Entra user in line with HR; returns its final state when HR deletes the employee. */
export async function employeeLifecycleWorkflow(input: EmployeeLifecycleInput): Promise<EmployeeLifecycleState> {
  const { companyId, employeeId } = input;
  // A continued run reconciles once at start: that recomputes the timers, which are not carried.
  const state = input.carried ? { ...input.carried, dirty: true } : initialState();
  const historyLimit = input.historyLimit ?? defaultHistoryLimit;
  let phase: LifecyclePhase = state.snapshot === null ? LifecyclePhase.WaitingForData : LifecyclePhase.Active;
  let waitingReason: string | null = null;
  let manager: ManagerState | null = null;
  let timers: PendingTimer[] = [];
  let indexed: { phase?: string; workEmail?: string | null } = {};
  let reconciledHrVersion: number | null = null;
  // The settings sent with the latest snapshot, for the reconciliation it makes due; the newest revision used so far.
  let sentCompany: CompanySettings | null = null;
  let companyRevision = -1;

  const applySnapshot = (signal: HrSnapshotSignal) => {
    const current = state.snapshot?.version ?? -1;
    // Versions only rise: an older snapshot (a late redelivery) is ignored; an equal one is a re-drive.
    if (signal.employee.version < current) return;
    state.snapshot = signal.employee;
    state.lastEventId = signal.eventId;
    state.lastEventType = signal.eventType;
    state.hrDeleted = signal.eventType === 'employee.deleted';
    state.failedReconciliations = 0;
    state.dirty = true;
    sentCompany = signal.company ?? null;
  };
  setHandler(hrSnapshotSignal, applySnapshot);
  setHandler(managerProvisionedSignal, () => {
    state.dirty = true;
  });
  // Entra provisioned this employee's account through SCIM with its object id as externalId: adopt that user, so
  // HR → Entra never creates a second account, even when the userPrincipalName differs from the work email.
  setHandler(entraObjectLinkedSignal, ({ entraObjectId }) => {
    state.entraObjectId ??= entraObjectId;
    state.dirty = true;
  });
  setHandler(stateQuery, () => stateOf(timers));

  const setPhase = (next: LifecyclePhase) => {
    phase = next;
    const workEmail = state.snapshot?.workEmail ?? null;
    if (indexed.phase === next && indexed.workEmail === workEmail) return;
    upsertSearchAttributes([
      { key: LifecyclePhaseSearchAttribute, value: next },
      { key: WorkEmailSearchAttribute, value: workEmail },
    ]);
    indexed = { phase: next, workEmail };
  };

  // A fresh run's first reconciliation may use the verified domains asked for while the employee loads.
  let verifiedDomains: Promise<string[]> | undefined;
  if (!input.carried) {
    // A fresh run (first event, or orchestration rebuilt by a resync): pick up what the database remembers, so an
    // existing Entra user is never created twice and the diff starts from what was really pushed. A new employee
    // needs the tenant's verified domains next: ask for them at the same time (a cached read, wasted when the
    // employee has a user already).
    const fewerActivities = patched(fewerOnboardingActivitiesPatch);
    if (fewerActivities) {
      verifiedDomains = entraRead.listVerifiedDomains({ companyId });
      // Its failure is the reconciliation's that awaits it, if any: not an unhandled rejection of the workflow.
      verifiedDomains.catch(() => undefined);
    }
    const stored = await directory.loadEmployee({ companyId, employeeId });
    state.entraObjectId ??= stored.entraObjectId;
    state.lastPushed ??= stored.pushed;
    if (stored.snapshot && stored.lastEventId && stored.lastEventType) {
      // The stored snapshot is the signalled one (or newer): the settings the relay sent with it still apply.
      const sent = sentCompany;
      applySnapshot({
        eventId: stored.lastEventId,
        eventType: stored.lastEventType,
        occurredAt: stored.lastEventOccurredAt ?? new Date().toISOString(),
        employee: stored.snapshot,
      });
      if (fewerActivities) sentCompany = sent;
    }
  }

  // The state record last written (by recordState, or with the Graph write that carried it), as a key.
  let recorded = '';
  let reconciling: number | null = null;
  const stateRecord = (
    recordPhase: LifecyclePhase,
    pushed: PushedEntraState | null,
    lastError: string | null,
    reconciledVersion: number | null,
  ): EmployeeStateRecord => ({ companyId, employeeId, phase: recordPhase, pushed, lastError, reconciledVersion });
  const recordState = async () => {
    const record = stateRecord(phase, state.lastPushed, state.lastError?.message ?? waitingReason, reconciledHrVersion);
    const key = JSON.stringify(record);
    if (key === recorded) return;
    await directory.recordEmployeeState(record);
    recorded = key;
  };
  // The record as recordState would write it after a reconciliation of `reconciling` that ended in `endPhase`, with
  // nothing refused and nothing waited for: carried by that reconciliation's last Graph write.
  const stateRecordForWrite = (endPhase: LifecyclePhase, pushed: PushedEntraState) =>
    patched(stateRecordedWithWritePatch) ? stateRecord(endPhase, pushed, null, reconciling) : null;
  const recordWritten = (record: EmployeeStateRecord) => {
    recorded = JSON.stringify(record);
  };

  for (;;) {
    if (state.dirty) {
      state.dirty = false;
      reconciling = state.snapshot?.version ?? null;
      const outcome = await reconcileOrRecordFailure();
      reconciledHrVersion = reconciling;
      state.reconciliations++;
      await recordState();
      if (outcome?.ended) return stateOf([]);
    }
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= historyLimit) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof employeeLifecycleWorkflow>({ companyId, employeeId, carried: state, historyLimit });
    }
    const next = earliest(timers);
    if (next === null) await condition(() => state.dirty);
    else {
      const changed = await condition(() => state.dirty, Math.max(1, Date.parse(next.dueAt) - Date.now()));
      // A timer that fires simply reconciles again: every timed action is derived from the clock.
      if (!changed) state.dirty = true;
    }
  }

  /**
   * The company's settings for a reconciliation: those sent with the snapshot that made it due (no round trip through
   * Temporal), unless newer ones were used already (a resync's re-drive after a policy change can overtake an HR
   * change's signal); else read by an activity (a timer, a re-drive, a manager's signal).
   */
  async function companySettings(): Promise<CompanySettings> {
    const sent = sentCompany;
    sentCompany = null;
    const usable = sent !== null && (sent.revision ?? -1) >= companyRevision && patched(companySentWithSnapshotPatch);
    const company = usable ? sent : await directory.loadCompanySettings({ companyId });
    companyRevision = Math.max(companyRevision, company.revision ?? -1);
    return company;
  }

  /** Reconciles; a failure is recorded with a retry timer instead of failing the workflow. */
  async function reconcileOrRecordFailure(): Promise<ReconcileOutcome | null> {
    try {
      const company = await companySettings();
      const domains = verifiedDomains;
      verifiedDomains = undefined;
      const outcome = await reconcileEmployee({
        companyId,
        employeeId,
        state,
        company,
        onPhase: setPhase,
        stateRecordForWrite,
        recordWritten,
        ...(domains ? { verifiedDomains: domains } : {}),
      });
      waitingReason = outcome.waitingReason;
      manager = outcome.manager;
      timers = outcome.timers;
      const firstProblem = outcome.problems[0];
      if (firstProblem === undefined) {
        state.lastError = null;
        state.failedReconciliations = 0;
      } else {
        state.lastError = combine(outcome.problems);
        if (outcome.phase === LifecyclePhase.Blocked) timers.push(retryTimer(refusalRetry));
        else state.failedReconciliations = 0;
      }
      setPhase(outcome.phase);
      return outcome;
    } catch (err) {
      if (err instanceof NotConnectedError) {
        state.lastError = failureRecord('EntraNotConnected', err.message);
        waitingReason = 'The company has no Entra connection; work resumes when it is connected.';
        timers = [retryAt(LifecycleTimerKind.Recheck, Date.now() + recheckMs, 'look at the connection again')];
        setPhase(LifecyclePhase.WaitingForConnection);
        return null;
      }
      if (!(err instanceof ActivityFailure)) throw err;
      // Graph or the database stayed unavailable through every retry: record it and try again later.
      const cause = err.cause;
      const type = cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : failureName(cause);
      state.lastError = failureRecord(
        type,
        `${err.activityType ?? 'an activity'} failed: ${cause?.message ?? err.message}`,
      );
      log.warn('reconciliation failed; retrying on a timer', { companyId, employeeId, type });
      timers = [retryTimer(outageRetry)];
      setPhase(LifecyclePhase.Blocked);
      return null;
    }
  }

  function retryTimer(backoff: { firstMs: number; maxMs: number }): PendingTimer {
    const delay = Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.min(state.failedReconciliations, 20));
    state.failedReconciliations++;
    return retryAt(LifecycleTimerKind.Retry, Date.now() + delay, 'retry after the recorded error');
  }

  /** The workflow's view of the employee: the `state` query's answer, and the result of an ended workflow. */
  function stateOf(pendingTimers: PendingTimer[]): EmployeeLifecycleState {
    return {
      companyId,
      employeeId,
      phase,
      waitingReason,
      hrVersion: state.snapshot?.version ?? null,
      reconciledHrVersion,
      lastEventId: state.lastEventId,
      entraObjectId: state.entraObjectId,
      userPrincipalName: state.lastPushed?.userPrincipalName ?? null,
      lastPushed: state.lastPushed,
      manager,
      pendingTimers,
      lastError: state.lastError,
      reconciliations: state.reconciliations,
    };
  }
}

function earliest(timers: readonly PendingTimer[]): PendingTimer | null {
  let first: PendingTimer | null = null;
  for (const t of timers) if (first === null || Date.parse(t.dueAt) < Date.parse(first.dueAt)) first = t;
  return first;
}

function retryAt(kind: PendingTimer['kind'], dueAtMs: number, description: string): PendingTimer {
  return { kind, dueAt: new Date(dueAtMs).toISOString(), description };
}

function failureRecord(type: string, message: string): LifecycleError {
  return { type, message, at: new Date().toISOString() };
}

function failureName(cause: Error | undefined): string {
  if (cause instanceof TimeoutFailure)
    return `Timeout${cause.timeoutType === undefined ? '' : `:${cause.timeoutType}`}`;
  return cause?.name ?? 'Error';
}

/** Several refusals in one record: the first names the type and target, the message lists them all. */
function combine(problems: readonly LifecycleError[]): LifecycleError {
  const [first, ...rest] = problems as [LifecycleError, ...LifecycleError[]];
  if (rest.length === 0) return first;
  return { ...first, message: problems.map((p) => p.message).join(' ') };
}
