import type { Logger } from 'pino';
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
import type { TemporalDeps } from './temporal';

/** How long a SCIM request waits for Temporal before it answers anyway (the signal keeps trying in the background). */
export const signalWaitMs = 2000;

/** The gRPC deadline of a signal left trying in the background, after which it is given up and logged. */
export const signalDeadlineMs = 10_000;

/** What the SCIM routes tell the workflows after a committed write. Never throws. */
export interface AccountEvents {
  accountChanged(companyId: string, scimUserId: string, change: AccountChange, account: AccountSnapshot): Promise<void>;
  entraObjectLinked(companyId: string, employeeId: string, signal: EntraObjectLinkedSignal): Promise<void>;
}

/** The stored account a signal carries (so that a later signal makes good a lost one). */
export type AccountSnapshot = Omit<AccountChangedSignal, 'change' | 'at'>;

function isNotFound(err: unknown): boolean {
  return err instanceof Error && err.name === 'WorkflowNotFoundError';
}

/**
 * Signals the account workflows (signal-with-start) and hands Entra object ids to employee workflows. The SCIM write
 * is already committed when these run, so a Temporal outage must not fail the request: failures are logged, and a
 * request waits at most {@link signalWaitMs}. The next SCIM change of the account re-drives its workflow (each signal
 * carries the whole account), and the employee workflow also finds the object id on the employee row.
 */
export function createAccountEvents(temporal: TemporalDeps, logger: Logger) {
  async function bounded(what: string, workflowId: string, send: () => Promise<unknown>): Promise<void> {
    const sending = temporal.client.withDeadline(Date.now() + signalDeadlineMs, send).then(
      () => true,
      (err: unknown) => {
        if (isNotFound(err)) return true;
        logger.warn(
          { err, workflowId },
          `${what} not delivered to Temporal; the next change of the account re-drives it`,
        );
        return false;
      },
    );
    const outcome = await temporal.inFlight.waitAtMost(sending, signalWaitMs);
    if (!outcome.settled)
      logger.warn({ workflowId }, `${what}: Temporal is slow to answer; answering the SCIM request first`);
  }

  const events: AccountEvents = {
    accountChanged(companyId, scimUserId, change, account) {
      const workflowId = accountWorkflowId(companyId, scimUserId);
      const signal: AccountChangedSignal = { ...account, change, at: new Date().toISOString() };
      const input: AccountLifecycleInput = { companyId, scimUserId };
      return bounded('account change', workflowId, () =>
        temporal.client.signalWithStart(accountLifecycleWorkflowType, {
          workflowId,
          taskQueue: temporal.taskQueue,
          args: [input],
          signal: accountChangedSignal,
          signalArgs: [signal],
        }),
      );
    },
    entraObjectLinked(companyId, employeeId, signal) {
      const workflowId = employeeWorkflowId(companyId, employeeId);
      return bounded('Entra object link', workflowId, () =>
        temporal.client.getHandle(workflowId).signal(entraObjectLinkedSignal, signal),
      );
    },
  };
  return events;
}
