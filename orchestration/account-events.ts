import type { Logger } from 'pino';
import {
  AccountChange,
  accountChangedSignal,
  accountLifecycleWorkflowType,
  accountWorkflowId,
  entraObjectLinkedSignal,
  type AccountChangedSignal,
  type AccountLifecycleInput,
  type EntraObjectLinkedSignal,
} from '../workflows/account-definitions';
import { employeeWorkflowId } from '../workflows/definitions';
import { storedCompanyPolicies } from '../domain/policies';
import { getCompany } from '../store/companies';
import type { Db } from '../store/db';
import { listUndeliveredScimUserDeletes, markScimUserDeleteDelivered } from '../store/scim-users';
import type { TemporalDeps } from './temporal';

/** How long a SCIM request waits for Temporal before it answers anyway (the signal keeps trying in the background). */
export const signalWaitMs = 2000;

/** The gRPC deadline of a signal left trying in the background, after which it is given up and logged. */
export const signalDeadlineMs = 10_000;

/** What the SCIM routes tell the workflows after a committed write. Never throws. */
export interface AccountEvents {
  /** `delivered` runs once Temporal has the signal (also when that is after the request was answered). */
  accountChanged(
    companyId: string,
    scimUserId: string,
    change: AccountChange,
    account: AccountSnapshot,
    delivered?: () => Promise<void>,
  ): Promise<void>;
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
 * carries the whole account), a delete has none, so it is re-driven by {@link redriveUndeliveredAccountDeletes}, and
 * the employee workflow also finds the object id on the employee row.
 */
export function createAccountEvents(temporal: TemporalDeps, logger: Logger) {
  async function bounded(
    what: string,
    workflowId: string,
    send: () => Promise<unknown>,
    delivered?: () => Promise<void>,
  ): Promise<void> {
    const sending = temporal.client.withDeadline(Date.now() + signalDeadlineMs, send).then(
      async () => {
        await delivered?.().catch((err: unknown) => logger.warn({ err, workflowId }, `${what}: not recorded`));
        return true;
      },
      (err: unknown) => {
        if (isNotFound(err)) return true;
        logger.warn(
          { err, workflowId },
          `${what} not delivered to Temporal; the next change of the account (for a delete: the worker's anti-entropy guard) re-drives it`,
        );
        return false;
      },
    );
    const outcome = await temporal.inFlight.waitAtMost(sending, signalWaitMs);
    if (!outcome.settled)
      logger.warn({ workflowId }, `${what}: Temporal is slow to answer; answering the SCIM request first`);
  }

  const events: AccountEvents = {
    accountChanged(companyId, scimUserId, change, account, delivered) {
      const signal: AccountChangedSignal = { ...account, change, at: new Date().toISOString() };
      return bounded(
        'account change',
        accountWorkflowId(companyId, scimUserId),
        () => signalAccount(temporal, companyId, scimUserId, signal),
        delivered,
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

/** Signals-with-start the account workflow of `scimUserId` (the one shape of that call). */
function signalAccount(
  temporal: Pick<TemporalDeps, 'client' | 'taskQueue'>,
  companyId: string,
  scimUserId: string,
  signal: AccountChangedSignal,
): Promise<unknown> {
  const input: AccountLifecycleInput = { companyId, scimUserId };
  return temporal.client.signalWithStart(accountLifecycleWorkflowType, {
    workflowId: accountWorkflowId(companyId, scimUserId),
    taskQueue: temporal.taskQueue,
    args: [input],
    signal: accountChangedSignal,
    signalArgs: [signal],
  });
}

/** What {@link redriveUndeliveredAccountDeletes} needs. */
export interface AccountDeleteRedriveDeps {
  db: Db;
  temporal: Pick<TemporalDeps, 'client' | 'taskQueue'>;
  logger: Pick<Logger, 'info' | 'warn'>;
  batchSize?: number;
}

/**
 * Delivers the SCIM deletes whose account workflow never got them (made while Temporal was down; the SCIM answer
 * did not wait): each gets its Deleted signal again, dated when Entra deleted the account, so that the workflow's
 * purge timer ends when it would have. The company's retention as it is now applies; none any more purges at once
 * (the row was kept for one). A workflow that had the delete ignores the repeat (same version). Resolves to how many
 * were delivered; throws the Temporal client's error when Temporal is still unreachable (the rest stay for later).
 */
export async function redriveUndeliveredAccountDeletes(deps: AccountDeleteRedriveDeps): Promise<number> {
  let delivered = 0;
  for (;;) {
    const batchSize = deps.batchSize ?? 100;
    const batch = await listUndeliveredScimUserDeletes(deps.db, batchSize);
    for (const row of batch) {
      const policies = storedCompanyPolicies((await getCompany(deps.db, row.companyId))?.policies);
      await deps.temporal.client.withDeadline(Date.now() + signalDeadlineMs, () =>
        signalAccount(deps.temporal, row.companyId, row.id, {
          change: AccountChange.Deleted,
          at: row.deletedAt.toISOString(),
          // The version the SCIM delete signalled (api/scim/user-writes.ts).
          version: row.version + 1,
          userName: row.userName,
          active: false,
          externalId: row.externalId,
          employeeId: row.employeeId,
          retentionDays: policies.scimDeletedUserRetentionDays ?? 0,
        }),
      );
      await markScimUserDeleteDelivered(deps.db, row.companyId, row.id);
      delivered++;
    }
    if (batch.length < batchSize) break;
  }
  if (delivered > 0)
    deps.logger.info({ delivered }, 'SCIM deletes made while Temporal was down delivered: purge timers set');
  return delivered;
}
