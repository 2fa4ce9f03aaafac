/**
 * Changes to a company that every employee's lifecycle depends on, each followed by the company's resync (scope
 * `all`): connecting an Entra tenant resumes work paused while it was not connected, and new policies apply to
 * everyone, not only to the next employee HR changes. The console's Integrate and policy pages, `ENTRA_TENANT_ID` at
 * start and the admin API use these instead of the store functions alone.
 */
import type { WorkflowClient } from '@temporalio/client';
import type { Logger } from 'pino';
import type { CompanyPolicies } from '../domain/policies';
import type { Company } from '../store/companies';
import { connectEntra, getCompany, setCompanyPolicies } from '../store/companies';
import type { Db } from '../store/db';
import { ResyncScope } from '../workflows/definitions';
import { startCompanyResync } from './company-resync';
import type { TemporalDeps } from './temporal';

export interface CompanyChangeDeps {
  db: Db;
  temporal: TemporalDeps<Pick<WorkflowClient, 'start'>>;
  logger: Pick<Logger, 'info' | 'warn'>;
}

/** What a change did: the company after it (null: no such company) and the resync it started, if any. */
export interface CompanyChangeResult {
  company: Company | null;
  resync: { workflowId: string; started: boolean } | null;
}

/**
 * Starts the company's resync. The change is already stored: a Temporal that cannot be reached is logged, not
 * thrown, and the change applies to each employee at its next HR change or the next `joiner resync`.
 */
async function resyncAfterChange(deps: CompanyChangeDeps, companyId: string, reason: string) {
  try {
    const resync = await startCompanyResync(deps.temporal.client, {
      taskQueue: deps.temporal.taskQueue,
      companyId,
      reason,
      scope: ResyncScope.All,
    });
    deps.logger.info({ companyId, workflowId: resync.workflowId, started: resync.started, reason }, 'company resync');
    return resync;
  } catch (err) {
    deps.logger.warn({ companyId, err, reason }, 'the company resync could not be started; run joiner resync later');
    return null;
  }
}

/**
 * Connects the company to an Entra tenant and, when that changed anything (a new tenant, or a reconnect after a
 * removal), starts its resync. Connecting to the tenant it is connected to already changes nothing.
 */
export async function connectCompanyTenant(
  deps: CompanyChangeDeps,
  companyId: string,
  tenantId: string,
): Promise<CompanyChangeResult> {
  const before = await getCompany(deps.db, companyId);
  if (before === null) return { company: null, resync: null };
  const unchanged = before.entraStatus === 'connected' && before.entraTenantId === tenantId;
  const company = unchanged ? before : await connectEntra(deps.db, companyId, tenantId);
  if (unchanged || company === null) return { company, resync: null };
  return { company, resync: await resyncAfterChange(deps, companyId, `Entra tenant ${tenantId} connected`) };
}

/** Replaces the company's policies and starts its resync, so that they apply to every employee. */
export async function changeCompanyPolicies(
  deps: CompanyChangeDeps,
  companyId: string,
  policies: CompanyPolicies,
): Promise<CompanyChangeResult> {
  const company = await setCompanyPolicies(deps.db, companyId, policies);
  if (company === null) return { company, resync: null };
  return { company, resync: await resyncAfterChange(deps, companyId, 'policies changed') };
}
