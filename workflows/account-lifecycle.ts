import { condition, continueAsNew, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { AccountActivities } from '../domain/activity-contracts';
import {
  AccountChange,
  accountChangedSignal,
  accountStateQuery,
  accountTimelineLimit,
  accountTimelineQuery,
  type AccountChangedSignal,
  type AccountLifecycleInput,
  type AccountLifecycleState,
  type AccountTimelineEntry,
} from './account-definitions';
import { accountPurgeActivity } from './activity-options';

const { purgeDeletedScimUser } = proxyActivities<AccountActivities>(accountPurgeActivity);

const dayMs = 24 * 60 * 60 * 1000;

function initialState(input: AccountLifecycleInput): AccountLifecycleState {
  return {
    companyId: input.companyId,
    scimUserId: input.scimUserId,
    userName: null,
    active: true,
    externalId: null,
    employeeId: null,
    deleted: false,
    purgeAt: null,
    purged: false,
    lastVersion: 0,
    timeline: [],
  };
}

function record(state: AccountLifecycleState, entry: AccountTimelineEntry): void {
  state.timeline.push(entry);
  if (state.timeline.length > accountTimelineLimit)
    state.timeline.splice(0, state.timeline.length - accountTimelineLimit);
}

/** Folds one SCIM write into the state and the timeline. Older or repeated signals (by version) are ignored. */
function apply(state: AccountLifecycleState, signal: AccountChangedSignal): void {
  if (state.deleted || signal.version <= state.lastVersion) return;
  state.lastVersion = signal.version;
  state.userName = signal.userName;
  state.active = signal.active;
  state.externalId = signal.externalId;
  record(state, { at: signal.at, event: signal.change, detail: signal.userName });
  if (signal.employeeId !== null && signal.employeeId !== state.employeeId) {
    record(state, { at: signal.at, event: 'linked', detail: `employee ${signal.employeeId}` });
  }
  state.employeeId = signal.employeeId;
  if (signal.change === AccountChange.Deleted) {
    state.deleted = true;
    state.active = false;
    const days = signal.retentionDays ?? null;
    if (days === null) {
      state.purged = true;
    } else {
      state.purgeAt = new Date(Date.parse(signal.at) + days * dayMs).toISOString();
      record(state, { at: signal.at, event: 'purge-scheduled', detail: state.purgeAt });
    }
  }
}

/**
 * The account lifecycle of one SCIM user (`account/<companyId>/<scimUserId>`): started by the first SCIM write
 * (signal-with-start), signalled after every change, deactivation, re-activation and delete. It keeps the account's
 * timeline (queries `state` and `timeline`), records the link to the HR employee, and applies the company's access
 * policy: a deleted account's data is removed after the retention period on a durable timer. Ends once the account
 * is deleted and its data removed; continues as new before its history grows large.
 */
export async function accountLifecycleWorkflow(input: AccountLifecycleInput): Promise<AccountLifecycleState> {
  const state = input.carried ?? initialState(input);
  const pending: AccountChangedSignal[] = [];
  setHandler(accountChangedSignal, (signal) => {
    pending.push(signal);
  });
  setHandler(accountStateQuery, () => state);
  setHandler(accountTimelineQuery, () => state.timeline);
  const historyLimit = input.historyLimit ?? 2000;

  for (;;) {
    while (pending.length > 0) apply(state, pending.shift()!);
    if (state.deleted && state.purged) return state;
    if (state.deleted && state.purgeAt !== null) {
      const waitMs = Math.max(0, Date.parse(state.purgeAt) - Date.now());
      if (waitMs > 0) await sleep(waitMs);
      await purgeDeletedScimUser({ companyId: state.companyId, scimUserId: state.scimUserId });
      state.purged = true;
      record(state, { at: new Date().toISOString(), event: 'purged' });
      return state;
    }
    if (workflowInfo().historyLength >= historyLimit) {
      await continueAsNew<typeof accountLifecycleWorkflow>({ ...input, carried: state });
    }
    await condition(() => pending.length > 0);
  }
}
