/**
 * What the SCIM user writes tell the workflows, through an outbox: a write records its signals in its own transaction
 * ({@link accountChanged}, {@link entraObjectLinked}, store/account-signals.ts), hands them to the API process's
 * {@link AccountSignalRelay} after the commit and answers without waiting for Temporal. The relay delivers them at
 * once; one that Temporal did not take stays in the outbox and is delivered when Temporal answers again, by this
 * process or any other API process. So nothing a write owes a workflow is lost, a delete's purge timer included.
 */
import { isDeadlineExceeded } from './deadline';
import type { Db } from '../store/db';
import {
  deleteDeliveredAccountSignals,
  listUndeliveredAccountSignals,
  recordAccountSignalDeliveryFailure,
  type AccountSignal,
} from '../store/account-signals';
import { AccountSignalKind } from '../store/schema';
import {
  accountChangedSignal,
  accountLifecycleWorkflowType,
  accountWorkflowId,
  entraObjectLinkedSignal,
  type AccountChange,
  type AccountChangedSignal,
  type AccountLifecycleInput,
  type EntraObjectLinkedSignal,
} from '../workflows/account-definitions';
import { employeeWorkflowId } from '../workflows/definitions';
import { OutboxRelay, type Outbox, type OutboxRelayOptions } from './outbox-relay';
import type { TemporalDeps, WorkflowClientLike } from './temporal';

/** The gRPC deadline of one delivery: past it the delivery counts as failed and the signal stays in the outbox. */
export const signalDeadlineMs = 10_000;

/** The stored account a signal carries (so that a later signal makes good a lost one). */
export type AccountSnapshot = Omit<AccountChangedSignal, 'change' | 'at'>;

/** The `accountChanged` signal a committed write of the account owes its workflow, dated now (the write's time). */
export function accountChanged(
  companyId: string,
  scimUserId: string,
  change: AccountChange,
  account: AccountSnapshot,
): AccountSignal {
  const signal: AccountChangedSignal = { ...account, change, at: new Date().toISOString() };
  return { companyId, kind: AccountSignalKind.AccountChanged, scimUserId, employeeId: null, payload: { ...signal } };
}

/** The `entraObjectLinked` signal a write owes the employee's workflow when it handed it an Entra object id. */
export function entraObjectLinked(
  companyId: string,
  employeeId: string,
  signal: EntraObjectLinkedSignal,
): AccountSignal {
  return {
    companyId,
    kind: AccountSignalKind.EntraObjectLinked,
    scimUserId: signal.scimUserId,
    employeeId,
    payload: { ...signal },
  };
}

/** Where the SCIM writes hand the signals they committed, so that a request need not wait for Temporal. */
export interface AccountSignalOutbox {
  /** A signal whose outbox row (`outboxId`) is committed: delivered soon, without being read back. */
  accepted(outboxId: number, signal: AccountSignal): void;
}

/** The workflow a signal goes to. */
export function accountSignalWorkflowId(signal: AccountSignal): string {
  return signal.kind === AccountSignalKind.AccountChanged
    ? accountWorkflowId(signal.companyId, signal.scimUserId)
    : employeeWorkflowId(signal.companyId, signal.employeeId!);
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && err.name === 'WorkflowNotFoundError';
}

/**
 * Sends one recorded signal, bounded by {@link signalDeadlineMs}. `accountChanged` is a signal-with-start (the
 * account's first write starts its workflow); `entraObjectLinked` goes to a running employee workflow only: one that
 * does not exist yet finds the object id on the employee row when it starts.
 */
export async function deliverAccountSignal(
  temporal: Pick<
    TemporalDeps<Pick<WorkflowClientLike, 'signalWithStart' | 'getHandle' | 'withDeadline'>>,
    'client' | 'taskQueue'
  >,
  signal: AccountSignal,
): Promise<void> {
  const { client } = temporal;
  const workflowId = accountSignalWorkflowId(signal);
  const send: () => Promise<unknown> =
    signal.kind === AccountSignalKind.AccountChanged
      ? () => {
          const input: AccountLifecycleInput = { companyId: signal.companyId, scimUserId: signal.scimUserId };
          return client.signalWithStart(accountLifecycleWorkflowType, {
            workflowId,
            taskQueue: temporal.taskQueue,
            args: [input],
            signal: accountChangedSignal,
            signalArgs: [signal.payload as unknown as AccountChangedSignal],
          });
        }
      : () =>
          client
            .getHandle(workflowId)
            .signal(entraObjectLinkedSignal, signal.payload as unknown as EntraObjectLinkedSignal);
  try {
    await client.withDeadline(Date.now() + signalDeadlineMs, send);
  } catch (err) {
    if (isNotFound(err)) return;
    if (isDeadlineExceeded(err))
      throw new Error(`Temporal did not answer within ${signalDeadlineMs} ms`, { cause: err });
    throw err;
  }
}

export interface AccountSignalRelayOptions extends OutboxRelayOptions {
  db: Db;
  temporal: Pick<TemporalDeps, 'client' | 'taskQueue'>;
}

/** The SCIM writes' outbox: the rows of `account_signals`, removed once delivered. */
function accountSignalOutbox(db: Db, temporal: AccountSignalRelayOptions['temporal']): Outbox<AccountSignal> {
  return {
    what: 'account signal',
    listUndelivered: (query) => listUndeliveredAccountSignals(db, query),
    markDelivered: async (ids) => {
      await deleteDeliveredAccountSignals(db, ids);
    },
    recordFailure: (id, error) => recordAccountSignalDeliveryFailure(db, id, error),
    deliver: (signal) => deliverAccountSignal(temporal, signal),
    logFields: (signal) => ({ workflowId: accountSignalWorkflowId(signal), signal: signal.kind }),
    orderKey: accountSignalWorkflowId,
  };
}

/**
 * Hands the signals the SCIM writes committed to Temporal (see {@link OutboxRelay}); runs in every API process. A
 * signal delivered twice is harmless: the account workflow ignores a version it has, the employee workflow an object
 * id it has.
 */
export class AccountSignalRelay extends OutboxRelay<AccountSignal> implements AccountSignalOutbox {
  constructor(options: AccountSignalRelayOptions) {
    super(accountSignalOutbox(options.db, options.temporal), options);
  }
}
