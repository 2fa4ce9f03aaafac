/**
 * Changes to a company that every employee's lifecycle depends on, each followed by the company's resync (scope
 * `all`): connecting an Entra tenant resumes work paused while it was not connected, and new policies apply to
 * everyone, not only to the next employee HR changes. The console's Integrations page and the admin API use these instead of
 * the store functions alone; `ENTRA_TENANT_ID` at start connects before Temporal is up, then resyncs through
 * {@link startResyncAfterChange}.
 */
import type { WorkflowClient } from '@temporalio/client';
import type { Logger } from 'pino';
import type { CompanyPolicies } from '../domain/policies';
import { storedCompanyPolicies } from '../domain/policies';
import type { Company } from '../store/companies';
import { connectEntra, getCompany, setCompanyPolicies } from '../store/companies';
import type { Db } from '../store/db';
import { ResyncScope } from '../workflows/definitions';
import { startCompanyResync } from './company-resync';
import type { HrEventOutbox } from './hr-outbox-relay';
import type { TemporalDeps } from './temporal';

export interface CompanyChangeDeps {
  db: Db;
  temporal: TemporalDeps<Pick<WorkflowClient, 'start' | 'getHandle' | 'withDeadline'>>;
  logger: Pick<Logger, 'info' | 'warn'>;
  /**
   * This process's HR outbox relay, told of the change so that the snapshots it sends next carry the new settings,
   * instead of its reading of up to a second before (which the resync would make good).
   */
  outbox?: Pick<HrEventOutbox, 'companyChanged'> | undefined;
}

/**
 * What a change did: the company after it (null: no such company), whether it changed anything, and the resync it
 * started (null when nothing changed, or when Temporal did not answer: the change is stored either way).
 */
export interface CompanyChangeResult {
  company: Company | null;
  changed: boolean;
  resync: { workflowId: string; started: boolean } | null;
}

/** How long a change waits for Temporal to start the resync before it answers without one. */
export const changeResyncDeadlineMs = 5_000;

/**
 * Starts the company's resync after a change. The change is already stored: a Temporal that does not answer within
 * {@link changeResyncDeadlineMs} is logged, not thrown (null), and the change applies to each employee at its next HR
 * change or the next `joiner resync`. The call carries a gRPC deadline and is tracked in `inFlight`, so the
 * connection outlives it.
 */
export async function startResyncAfterChange(
  deps: CompanyChangeDeps,
  companyId: string,
  reason: string,
): Promise<{ workflowId: string; started: boolean } | null> {
  const { client, taskQueue, inFlight } = deps.temporal;
  try {
    const outcome = await inFlight.waitAtMost(
      client.withDeadline(Date.now() + changeResyncDeadlineMs, () =>
        startCompanyResync(client, { taskQueue, companyId, reason, scope: ResyncScope.All }),
      ),
      changeResyncDeadlineMs,
    );
    if (!outcome.settled) throw new Error(`Temporal did not answer within ${changeResyncDeadlineMs / 1000} s`);
    deps.logger.info({ companyId, ...outcome.value, reason }, 'company resync');
    return outcome.value;
  } catch (err) {
    deps.logger.warn({ companyId, err, reason }, 'the company resync could not be started; run joiner resync later');
    return null;
  }
}

/**
 * Connects the company to an Entra tenant (admin consent given) and starts its resync: a new tenant, a reconnect
 * after a removal, or a consent given again after it was revoked (employees then wait on retry timers) all resume at
 * once.
 */
export async function connectCompanyTenant(
  deps: CompanyChangeDeps,
  companyId: string,
  tenantId: string,
  reason = `Entra tenant ${tenantId} connected`,
): Promise<CompanyChangeResult> {
  const company = await connectEntra(deps.db, companyId, tenantId);
  if (company === null) return { company, changed: false, resync: null };
  deps.outbox?.companyChanged(companyId);
  return { company, changed: true, resync: await startResyncAfterChange(deps, companyId, reason) };
}

/**
 * Replaces the company's policies and starts its resync, so that they apply to every employee. Policies equal to
 * the stored ones change nothing and start no resync (a Save without edits costs nothing).
 */
export async function changeCompanyPolicies(
  deps: CompanyChangeDeps,
  companyId: string,
  policies: CompanyPolicies,
): Promise<CompanyChangeResult> {
  const before = await getCompany(deps.db, companyId);
  if (before === null) return { company: null, changed: false, resync: null };
  if (JSON.stringify(storedCompanyPolicies(before.policies)) === JSON.stringify(policies)) {
    return { company: before, changed: false, resync: null };
  }
  const company = await setCompanyPolicies(deps.db, companyId, policies);
  if (company === null) return { company, changed: false, resync: null };
  deps.outbox?.companyChanged(companyId);
  return { company, changed: true, resync: await startResyncAfterChange(deps, companyId, 'policies changed') };
}
