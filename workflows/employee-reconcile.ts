/**
 * One reconciliation of an employee: bring the Entra user in line with the latest HR snapshot and the company's
 * policies. Deterministic workflow code; every effect is an activity. Idempotent by construction: it compares the
 * desired state with what was last pushed, so running it twice writes nothing the second time.
 */
import { ActivityFailure, ApplicationFailure, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type {
  CompanySettings,
  EmployeeStateRecord,
  EntraActivities,
  OrchestrationActivities,
  StoreActivities,
} from '../domain/activity-contracts';
import { deleteAtMs, leaveMomentMs, provisionAtMs, toGraphDateTime } from '../domain/company-time';
import { CreationProblemCode, checkCreationEligibility } from '../domain/creation-eligibility';
import { EntraErrorType, nonRetryableEntraFailures } from '../domain/entra-errors';
import { applyGraphPatch, diffGraphUser, isEmptyPatch } from '../domain/graph-diff';
import type { DesiredGraphUser } from '../domain/graph-mapping';
import { mapHrToGraph, toNewGraphUser } from '../domain/graph-mapping';
import type { GraphUserProperties, PushedEntraState } from '../domain/graph-user';
import { LIFECYCLE_DATE_PROPERTIES } from '../domain/graph-user';
import type { HrEmployee } from '../domain/hr-employee';
import { LifecyclePhase } from '../domain/lifecycle-phase';
import type { CompanyPolicies } from '../domain/policies';
import {
  graphReadActivity,
  graphWriteActivity,
  graphWritesTaskQueue,
  storeActivity,
  temporalSignalActivity,
} from './activity-options';
import type { EmployeeLifecycleCarriedState, LifecycleError, ManagerState, PendingTimer } from './definitions';
import { LifecycleTimerKind } from './definitions';

/**
 * The Graph writes, on the workflow's Graph-write task queue: the server paces that queue for every worker at once
 * (see {@link graphWritesTaskQueue}). Made per call: the queue is the running workflow's, known only inside it.
 */
function entra() {
  return proxyActivities<EntraActivities>({
    ...graphWriteActivity,
    taskQueue: graphWritesTaskQueue(workflowInfo().taskQueue),
  });
}
const entraRead = proxyActivities<Pick<EntraActivities, 'listVerifiedDomains'>>(graphReadActivity);
const directory = proxyActivities<StoreActivities>(storeActivity);
const orchestration = proxyActivities<OrchestrationActivities>(temporalSignalActivity);

/** How long a report waits for its manager's signal before looking again by itself. */
export const managerBackstopMs = 60 * 60_000;
/** How often an unverified domain or a missing connection is looked at again without being told. */
export const recheckMs = 60 * 60_000;

/** The problem type of a refused `reportsTo` (self-reference or cycle). */
export const managerRefused = 'ManagerRefused';

/**
 * Lifecycle dates are updated apart from the profile: they need User-LifeCycleInfo permissions of their own, so a
 * refusal of them must not hold back the rest.
 */
const lifecycleDateProperties = LIFECYCLE_DATE_PROPERTIES;
/** Marks histories whose create carries the lifecycle dates (older ones created first, then wrote the hire date). */
const datesInCreatePatch = 'lifecycle-dates-in-create';
/**
 * Marks histories whose onboarding takes fewer activities: the verified domains asked for while the employee is
 * loaded, the company settings sent with the first snapshot kept, the link made in the create's activity. Shared with
 * the workflow (employee-lifecycle.ts), which decides the first two.
 */
export const fewerOnboardingActivitiesPatch = 'fewer-onboarding-activities';

/** Marks histories in which a domain read that found no Entra connection pauses the reconciliation (not blocks it). */
const domainsReadNotConnectedPatch = 'domains-read-not-connected';

export interface ReconcileOutcome {
  phase: LifecyclePhase;
  waitingReason: string | null;
  manager: ManagerState | null;
  timers: PendingTimer[];
  /** Graph refused something, or the manager was refused: recorded, retried on the next change or a slow timer. */
  problems: LifecycleError[];
  /** HR deleted the employee, or the Entra user was deleted by policy: the workflow ends. */
  ended: boolean;
}

/** Thrown out of a reconciliation when the company's Entra connection is missing: all Graph work pauses. */
export class NotConnectedError extends Error {
  override readonly name = 'NotConnectedError';
}

export interface ReconcileContext {
  companyId: string;
  employeeId: string;
  /** The workflow's state, updated in place as each write succeeds (so partial progress is never forgotten). */
  state: EmployeeLifecycleCarriedState;
  /** The company's policies and connection for this reconciliation (the workflow reads them, or the signal had them). */
  company: CompanySettings;
  /** Reports the phase while a long step runs (provisioning), for the `state` query and the search attribute. */
  onPhase(phase: LifecyclePhase): void;
  /**
   * The state record the workflow would write after a reconciliation that ends in `phase` with `pushed` written and
   * nothing refused, for the Graph write that is the reconciliation's last to carry (`updateEntraUser`'s `record`);
   * null when it must not (a history from before that). {@link recordWritten} is told once the write has succeeded.
   */
  stateRecordForWrite?(phase: LifecyclePhase, pushed: PushedEntraState): EmployeeStateRecord | null;
  recordWritten?(record: EmployeeStateRecord): void;
  /** The tenant's verified domains, asked for already (a fresh run asks while it loads the employee). */
  verifiedDomains?: Promise<string[]>;
}

/**
 * Runs one reconciliation. Graph failures that retries cannot fix are returned as `problems` (the step is skipped,
 * the others still run); a missing connection throws {@link NotConnectedError}; other failures (a Graph outage that
 * outlived its retries, a database outage) propagate as `ActivityFailure`.
 */
export async function reconcileEmployee(ctx: ReconcileContext): Promise<ReconcileOutcome> {
  const { state, company } = ctx;
  const policies = company.policies;
  const outcome: ReconcileOutcome = {
    phase: LifecyclePhase.Active,
    waitingReason: null,
    manager: null,
    timers: [],
    problems: [],
    ended: false,
  };
  const snapshot = state.snapshot;

  if (state.hrDeleted) return finishDeletedEmployee(ctx, policies, outcome);
  if (snapshot === null) return waiting(outcome, LifecyclePhase.WaitingForData, 'No HR data for this employee yet.');
  if (!company.connected) throw new NotConnectedError(`company ${ctx.companyId} has no Entra connection`);

  const desired = mapHrToGraph(snapshot, policies);
  const now = Date.now();
  const leaveAt = leaveMomentMs(snapshot, policies);

  if (state.entraObjectId === null) {
    const created = await provisionEntraUser(ctx, snapshot, desired, policies, leaveAt, outcome);
    if (!created) return outcome;
  }
  const entraObjectId = state.entraObjectId!;
  // A user adopted by object id (SCIM linked it, or the database knew it) has no write of ours yet: start from
  // nothing pushed, so the first diff writes every HR value.
  const pushed = (state.lastPushed ??= {
    userPrincipalName: snapshot.workEmail ?? '',
    fields: {},
    managerEntraObjectId: null,
    managerEmployeeId: null,
    accountDisabledByPolicy: false,
    sessionsRevokedForLeave: null,
  });

  const settledPhase =
    leaveAt === null ? LifecyclePhase.Active : now < leaveAt ? LifecyclePhase.Offboarding : LifecyclePhase.Left;
  // When the profile PATCH is all there is to write, it carries the state record that would otherwise follow it.
  const profileIsLast =
    managerUnchanged(pushed, desired.managerEmployeeId, ctx.employeeId) &&
    dueLeaveActions(pushed, snapshot, policies, leaveAt, now).length === 0;
  await pushProfile(ctx, entraObjectId, pushed, desired.properties, outcome, profileIsLast ? settledPhase : null);
  outcome.manager = await pushManager(ctx, entraObjectId, pushed, desired.managerEmployeeId, outcome);
  await applyLeavePolicies(ctx, entraObjectId, pushed, snapshot, policies, leaveAt, outcome);
  if (outcome.ended) return outcome;

  outcome.phase = settledPhase;
  if (settledPhase === LifecyclePhase.Offboarding) {
    outcome.timers.push(timer(LifecycleTimerKind.Leave, leaveAt!, leaveDescription(policies)));
  }
  const deleteAt = deleteAtMs(snapshot, policies);
  if (deleteAt !== null && now < deleteAt) {
    outcome.timers.push(timer(LifecycleTimerKind.Delete, deleteAt, 'delete the Entra user (deleteAfterLeaveDays)'));
  }
  // A refused manager is recorded but blocks nothing else; Graph refusals block until something changes.
  if (outcome.problems.some((p) => p.type !== managerRefused)) outcome.phase = LifecyclePhase.Blocked;
  return outcome;
}

/** Creates or links the Entra user when the creation rules (docs/mapping.md) and the lead-time policy allow; returns whether it exists. */
async function provisionEntraUser(
  ctx: ReconcileContext,
  snapshot: HrEmployee,
  desired: DesiredGraphUser,
  policies: CompanyPolicies,
  leaveAt: number | null,
  outcome: ReconcileOutcome,
): Promise<boolean> {
  const now = Date.now();
  if (leaveAt !== null && now >= leaveAt) {
    waiting(outcome, LifecyclePhase.Left, 'The employee left before an Entra user was created; none will be.');
    return false;
  }
  let domains = await domainsRead(ctx.verifiedDomains ?? entraRead.listVerifiedDomains({ companyId: ctx.companyId }));
  let eligibility = checkCreationEligibility(snapshot, domains);
  if (!eligibility.eligible && eligibility.problems.some((p) => p.code === CreationProblemCode.DomainNotVerified)) {
    // The cache may predate a domain the admin just verified: look once more before telling HR to check it.
    domains = await domainsRead(entraRead.listVerifiedDomains({ companyId: ctx.companyId, refresh: true }));
    eligibility = checkCreationEligibility(snapshot, domains);
  }
  if (!eligibility.eligible) {
    const onlyDomain = eligibility.problems.every((p) => p.code === CreationProblemCode.DomainNotVerified);
    if (onlyDomain) {
      waiting(outcome, LifecyclePhase.WaitingForDomain, eligibility.reason);
      outcome.timers.push(timer(LifecycleTimerKind.Recheck, now + recheckMs, 'look at the verified domains again'));
    } else waiting(outcome, LifecyclePhase.WaitingForData, eligibility.reason);
    return false;
  }
  const provisionAt = provisionAtMs(snapshot, policies);
  if (provisionAt !== null && now < provisionAt) {
    waiting(outcome, LifecyclePhase.Scheduled, `The Entra user will be created on ${toGraphDateTime(provisionAt)}.`);
    outcome.timers.push(
      timer(
        LifecycleTimerKind.Provision,
        provisionAt,
        `create the Entra user ${policies.provisionLeadDays} days before hire`,
      ),
    );
    return false;
  }

  const newUser = toNewGraphUser(desired)!;
  // One write per new employee: the dates go in the create (Graph's write budget is the bound of a bulk onboarding).
  const datesInCreate = patched(datesInCreatePatch);
  if (!datesInCreate) for (const property of lifecycleDateProperties) delete newUser[property];
  ctx.onPhase(LifecyclePhase.Provisioning);
  // The link is made in the create's activity, once Graph answered (a worker of an earlier version leaves it out).
  const linkInCreate = patched(fewerOnboardingActivitiesPatch);
  const created = await entra()
    .createEntraUser({
      companyId: ctx.companyId,
      employeeId: ctx.employeeId,
      user: newUser,
      ...(linkInCreate ? { link: true } : {}),
    })
    .catch((err: unknown) => {
      outcome.problems.push(refusal(err, 'creating the Entra user'));
      return null;
    });
  if (created === null) {
    outcome.phase = LifecyclePhase.Blocked;
    return false;
  }
  const link =
    created.link ??
    (await directory.linkEmployeeToEntraUser({
      companyId: ctx.companyId,
      employeeId: ctx.employeeId,
      entraObjectId: created.entraObjectId,
    }));
  if (!link.linked) {
    outcome.problems.push({
      type: 'EntraUserAlreadyLinked',
      message:
        `The Entra user ${created.userPrincipalName} already belongs to employee ${link.linkedEmployeeId}; ` +
        'two HR employees share this work email.',
      target: 'userPrincipalName',
      at: new Date().toISOString(),
    });
    outcome.phase = LifecyclePhase.Blocked;
    return false;
  }
  ctx.state.entraObjectId = created.entraObjectId;
  ctx.state.lastPushed = {
    userPrincipalName: created.userPrincipalName,
    // A linked user has the values Graph returned (absent = unknown, sent again). A new one has what the create wrote:
    // the dates too, unless Graph withheld them, which the profile step then writes (or records as refused) apart.
    fields: created.linked
      ? created.fields
      : createdFields(desired.properties, datesInCreate ? created.withheld : null),
    managerEntraObjectId: null,
    managerEmployeeId: null,
    accountDisabledByPolicy: false,
    sessionsRevokedForLeave: null,
  };
  // The link above is recorded before the reports are told, so their lookup of this manager finds the Entra user;
  // reports stored after it find the user by that lookup. No reports counted when linking: nobody to tell.
  if (link.reports !== 0) {
    await orchestration.notifyReportsOfManager({
      companyId: ctx.companyId,
      managerEmployeeId: ctx.employeeId,
      managerEntraObjectId: created.entraObjectId,
    });
  }
  return true;
}

/**
 * The verified domains: a read that found the company without its Entra connection (disconnected after the settings
 * this reconciliation uses were read) pauses all Graph work as a write's refusal does ({@link NotConnectedError}),
 * instead of blocking the employee as an outage would.
 */
async function domainsRead(read: Promise<string[]>): Promise<string[]> {
  try {
    return await read;
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (
      cause instanceof ApplicationFailure &&
      cause.type === EntraErrorType.NotConnected &&
      patched(domainsReadNotConnectedPatch)
    ) {
      throw new NotConnectedError(cause.message);
    }
    throw err;
  }
}

/** What a create wrote: the desired properties, without the lifecycle dates it left out (`null`: all of them). */
function createdFields(
  desired: GraphUserProperties,
  withheld: readonly (typeof lifecycleDateProperties)[number][] | null | undefined,
): GraphUserProperties {
  const fields: GraphUserProperties = { ...desired };
  for (const property of withheld ?? (withheld === null ? lifecycleDateProperties : [])) fields[property] = null;
  return fields;
}

/**
 * One PATCH for the changed profile properties, then the hire date and the leave date, each only when changed. When
 * the profile PATCH is the reconciliation's last write (`lastWritePhase`: the phase it then ends in), it carries the
 * employee's state record.
 */
async function pushProfile(
  ctx: ReconcileContext,
  entraObjectId: string,
  pushed: PushedEntraState,
  desired: GraphUserProperties,
  outcome: ReconcileOutcome,
  lastWritePhase: LifecyclePhase | null,
): Promise<void> {
  const patch = diffGraphUser(pushed.fields, desired);
  const profile: GraphUserProperties = { ...patch };
  for (const property of lifecycleDateProperties) delete profile[property];
  const write = async (what: string, part: GraphUserProperties, effect: () => Promise<unknown>) => {
    try {
      await effect();
      pushed.fields = applyGraphPatch(pushed.fields, part);
    } catch (err) {
      outcome.problems.push(refusal(err, what));
    }
  };
  const { companyId } = ctx;
  if (!isEmptyPatch(profile)) {
    const datesToWrite = lifecycleDateProperties.some((property) => patch[property] !== undefined);
    const record =
      lastWritePhase === null || datesToWrite
        ? null
        : (ctx.stateRecordForWrite?.(lastWritePhase, { ...pushed, fields: applyGraphPatch(pushed.fields, profile) }) ??
          null);
    await write('updating the user profile', profile, async () => {
      const updated = await entra().updateEntraUser({
        companyId,
        entraObjectId,
        patch: profile,
        ...(record ? { record } : {}),
      });
      if (record && updated?.recorded) ctx.recordWritten?.(record);
    });
  }
  if (patch.employeeHireDate !== undefined) {
    const part = { employeeHireDate: patch.employeeHireDate };
    await write('setting employeeHireDate', part, () =>
      entra().updateEntraUser({ companyId, entraObjectId, patch: part }),
    );
  }
  if (patch.employeeLeaveDateTime !== undefined) {
    const leaveDateTime = patch.employeeLeaveDateTime;
    await write('setting employeeLeaveDateTime', { employeeLeaveDateTime: leaveDateTime }, () =>
      entra().setEntraLeaveDateTime({ companyId, entraObjectId, leaveDateTime }),
    );
  }
}

/** True when the manager step has nothing to write or refuse: Entra has the manager HR names (or none, as HR). */
function managerUnchanged(pushed: PushedEntraState, managerEmployeeId: string | null, employeeId: string): boolean {
  if (managerEmployeeId === null) return pushed.managerEntraObjectId === null;
  if (managerEmployeeId === employeeId) return false;
  return pushed.managerEmployeeId === managerEmployeeId && pushed.managerEntraObjectId !== null;
}

/** Sets, changes or removes the manager; waits for a manager not yet in Entra; refuses self-reference and cycles. */
async function pushManager(
  ctx: ReconcileContext,
  entraObjectId: string,
  pushed: PushedEntraState,
  managerEmployeeId: string | null,
  outcome: ReconcileOutcome,
): Promise<ManagerState | null> {
  const { companyId, employeeId } = ctx;
  if (managerUnchanged(pushed, managerEmployeeId, employeeId)) {
    return managerEmployeeId === null
      ? null
      : { employeeId: managerEmployeeId, status: 'set', entraObjectId: pushed.managerEntraObjectId! };
  }
  if (managerEmployeeId === null) {
    try {
      await entra().removeEntraManager({ companyId, entraObjectId });
      pushed.managerEntraObjectId = null;
      pushed.managerEmployeeId = null;
    } catch (err) {
      outcome.problems.push(refusal(err, 'removing the manager'));
    }
    return null;
  }
  if (managerEmployeeId === employeeId) {
    return refuseManager(outcome, managerEmployeeId, 'HR names the employee as their own manager (reportsTo).');
  }
  const resolution = await directory.resolveManagerEntraId({ companyId, employeeId, managerEmployeeId });
  switch (resolution.kind) {
    case 'cycle':
      return refuseManager(
        outcome,
        managerEmployeeId,
        `Setting the manager would make a reporting cycle: ${[employeeId, ...resolution.chain].join(' → ')}.`,
      );
    case 'not-provisioned':
      outcome.timers.push(
        timer(
          LifecycleTimerKind.ManagerBackstop,
          Date.now() + managerBackstopMs,
          `look for manager ${managerEmployeeId}`,
        ),
      );
      return { employeeId: managerEmployeeId, status: 'waiting', reason: resolution.reason };
    case 'resolved':
      try {
        await entra().setEntraManager({ companyId, entraObjectId, managerEntraObjectId: resolution.entraObjectId });
        pushed.managerEntraObjectId = resolution.entraObjectId;
        pushed.managerEmployeeId = managerEmployeeId;
        return { employeeId: managerEmployeeId, status: 'set', entraObjectId: resolution.entraObjectId };
      } catch (err) {
        outcome.problems.push(refusal(err, 'setting the manager'));
        return { employeeId: managerEmployeeId, status: 'refused', reason: outcome.problems.at(-1)!.message };
      }
  }
}

/** The leaver policies at the leave moment (disable, revoke), undoing a disable when the offboarding is undone. */
async function applyLeavePolicies(
  ctx: ReconcileContext,
  entraObjectId: string,
  pushed: PushedEntraState,
  snapshot: HrEmployee,
  policies: CompanyPolicies,
  leaveAt: number | null,
  outcome: ReconcileOutcome,
): Promise<void> {
  const { companyId } = ctx;
  const attempt = async (what: string, effect: () => Promise<void>, onSuccess: () => void) => {
    try {
      await effect();
      onSuccess();
    } catch (err) {
      outcome.problems.push(refusal(err, what));
    }
  };
  const leaveIso = leaveAt === null ? null : toGraphDateTime(leaveAt);
  for (const action of dueLeaveActions(pushed, snapshot, policies, leaveAt, Date.now())) {
    switch (action) {
      case 'disable':
        await attempt(
          'disabling the account at leave',
          () => entra().disableEntraAccount({ companyId, entraObjectId }),
          () => (pushed.accountDisabledByPolicy = true),
        );
        break;
      case 'enable':
        await attempt(
          'enabling the account again (offboarding undone)',
          () => entra().enableEntraAccount({ companyId, entraObjectId }),
          () => (pushed.accountDisabledByPolicy = false),
        );
        break;
      case 'revoke':
        await attempt(
          'revoking sign-in sessions at leave',
          () => entra().revokeEntraSessions({ companyId, entraObjectId }),
          () => (pushed.sessionsRevokedForLeave = leaveIso),
        );
        break;
      case 'delete':
        await deleteEntraUser(ctx, entraObjectId, outcome);
        break;
    }
  }
}

/** The leaver policies' actions due now, in the order they are taken (see {@link applyLeavePolicies}). */
function dueLeaveActions(
  pushed: PushedEntraState,
  snapshot: HrEmployee,
  policies: CompanyPolicies,
  leaveAt: number | null,
  now: number,
): ('disable' | 'enable' | 'revoke' | 'delete')[] {
  const left = leaveAt !== null && now >= leaveAt;
  const actions: ('disable' | 'enable' | 'revoke' | 'delete')[] = [];
  if (left && policies.disableAccountAtLeave && !pushed.accountDisabledByPolicy) actions.push('disable');
  if (!left && pushed.accountDisabledByPolicy) actions.push('enable');
  const leaveIso = leaveAt === null ? null : toGraphDateTime(leaveAt);
  if (left && policies.revokeSessionsAtLeave && pushed.sessionsRevokedForLeave !== leaveIso) actions.push('revoke');
  const deleteAt = deleteAtMs(snapshot, policies);
  if (deleteAt !== null && now >= deleteAt) actions.push('delete');
  return actions;
}

/** `employee.deleted`: end without touching Entra, unless `deleteAfterLeaveDays` says to delete the user (when due). */
async function finishDeletedEmployee(
  ctx: ReconcileContext,
  policies: CompanyPolicies,
  outcome: ReconcileOutcome,
): Promise<ReconcileOutcome> {
  const { state } = ctx;
  if (policies.deleteAfterLeaveDays !== null && state.entraObjectId !== null) {
    const deleteAt = state.snapshot === null ? null : deleteAtMs(state.snapshot, policies);
    if (deleteAt !== null && Date.now() < deleteAt) {
      outcome.phase = LifecyclePhase.Left;
      outcome.waitingReason = 'Deleted in HR; the Entra user is deleted when deleteAfterLeaveDays has passed.';
      outcome.timers.push(timer(LifecycleTimerKind.Delete, deleteAt, 'delete the Entra user (deleteAfterLeaveDays)'));
      return outcome;
    }
    await deleteEntraUser(ctx, state.entraObjectId, outcome);
    if (!outcome.ended) return outcome;
  }
  outcome.phase = LifecyclePhase.Deleted;
  outcome.waitingReason =
    state.entraObjectId === null ? null : 'Deleted in HR; the Entra user was left as it is (no delete policy).';
  outcome.ended = true;
  return outcome;
}

async function deleteEntraUser(ctx: ReconcileContext, entraObjectId: string, outcome: ReconcileOutcome) {
  try {
    await entra().deleteEntraUser({ companyId: ctx.companyId, entraObjectId });
  } catch (err) {
    outcome.problems.push(refusal(err, 'deleting the Entra user'));
    outcome.phase = LifecyclePhase.Blocked;
    return;
  }
  await directory.linkEmployeeToEntraUser({
    companyId: ctx.companyId,
    employeeId: ctx.employeeId,
    entraObjectId: null,
  });
  ctx.state.entraObjectId = null;
  ctx.state.lastPushed = null;
  outcome.phase = LifecyclePhase.Deleted;
  outcome.waitingReason = 'The Entra user was deleted by the deleteAfterLeaveDays policy.';
  outcome.ended = true;
}

function refuseManager(outcome: ReconcileOutcome, managerEmployeeId: string, reason: string): ManagerState {
  outcome.problems.push({ type: managerRefused, message: reason, target: 'manager', at: new Date().toISOString() });
  return { employeeId: managerEmployeeId, status: 'refused', reason };
}

function waiting(outcome: ReconcileOutcome, phase: LifecyclePhase, reason: string): ReconcileOutcome {
  outcome.phase = phase;
  outcome.waitingReason = reason;
  return outcome;
}

function timer(kind: PendingTimer['kind'], dueAtMs: number, description: string): PendingTimer {
  return { kind, dueAt: new Date(dueAtMs).toISOString(), description };
}

function leaveDescription(policies: CompanyPolicies): string {
  const actions = ['phase becomes left'];
  if (policies.disableAccountAtLeave) actions.push('disable the account');
  if (policies.revokeSessionsAtLeave) actions.push('revoke sign-in sessions');
  return `leave moment: ${actions.join(', ')}`;
}

/**
 * A refusal Graph gave for one step, as a recorded problem. Only non-retryable Entra failures are refusals; a missing
 * connection aborts the reconciliation, and anything else (an outage that outlived its retries) propagates.
 */
function refusal(err: unknown, what: string): LifecycleError {
  const failure = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : null;
  const final = failure !== null && (failure.nonRetryable || isNonRetryableEntraFailure(failure.type));
  if (!final) throw err;
  if (failure.type === EntraErrorType.NotConnected) throw new NotConnectedError(failure.message);
  const details = (failure.details?.[0] ?? {}) as { property?: string; permission?: string };
  return {
    type: failure.type ?? 'Error',
    message: `Graph refused ${what}: ${failure.message}`,
    target: details.property ?? details.permission,
    at: new Date().toISOString(),
  };
}

function isNonRetryableEntraFailure(type: string | null | undefined): boolean {
  return (nonRetryableEntraFailures as readonly (string | null | undefined)[]).includes(type);
}
