/**
 * What an operator asks of a running installation, in one place for the admin API and the `joiner` command line:
 * one employee's details, a company's resync and its progress, and the status of the database, Temporal and each
 * company's Entra connection. The answers are plain JSON-able objects, so the CLI prints the same whether it asked the database
 * and Temporal itself or a running Joiner's admin API.
 */
import type { WorkflowClient } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { JoinerConfig } from '../domain/config';
import type { Db } from '../store/db';
import { getCompany, listCompanies } from '../store/companies';
import { pingDatabase } from '../store/operational-stats';
import type { ResyncProgress } from '../workflows/definitions';
import { ResyncScope, resyncProgressQuery, resyncWorkflowId } from '../workflows/definitions';
import { requestResync } from './anti-entropy';
import type { EmployeeView, EmployeeViewDeps } from './employee-view';
import { getEmployeeView } from './employee-view';

export { ResyncScope } from '../workflows/definitions';

/** A company's resync as `GET /admin/api/companies/:id/resync` and `joiner resync` show it. */
export interface ResyncStatus {
  companyId: string;
  workflowId: string;
  /** `none`: no resync ever ran (or Temporal forgot it). */
  status: 'running' | 'completed' | 'failed' | 'none';
  progress: ResyncProgress | null;
}

/** The deadline for each Temporal call made to answer an operator. */
const operatorDeadlineMs = 5_000;

/**
 * Starts a company's resync (see {@link requestResync}); one already running covers the request, or is asked for a
 * full run when this is one.
 * @throws UnknownCompanyError when the company does not exist
 */
export async function startOperatorResync(
  deps: { db: Db; client: Pick<WorkflowClient, 'start' | 'getHandle'>; taskQueue: string },
  companyId: string,
  options: { scope?: ResyncScope; reason: string },
): Promise<{ companyId: string; workflowId: string; started: boolean }> {
  if ((await getCompany(deps.db, companyId)) === null) throw new UnknownCompanyError(companyId);
  const result = await requestResync(deps.client, {
    taskQueue: deps.taskQueue,
    companyId,
    scope: options.scope ?? ResyncScope.All,
    reason: options.reason,
  });
  return { companyId, ...result };
}

/** Where a company's resync stands: the live `progress` query while it runs, its result once it ended. */
export async function readResyncStatus(
  client: Pick<WorkflowClient, 'getHandle' | 'withDeadline'>,
  companyId: string,
): Promise<ResyncStatus> {
  const workflowId = resyncWorkflowId(companyId);
  const handle = client.getHandle(workflowId);
  const withDeadline = <T>(fn: () => Promise<T>) => client.withDeadline(Date.now() + operatorDeadlineMs, fn);
  try {
    const description = await withDeadline(() => handle.describe());
    const status = description.status.name;
    if (status === 'RUNNING') {
      return {
        companyId,
        workflowId,
        status: 'running',
        progress: await withDeadline(() => handle.query(resyncProgressQuery)),
      };
    }
    if (status === 'COMPLETED') {
      return {
        companyId,
        workflowId,
        status: 'completed',
        progress: (await withDeadline(() => handle.result())) as ResyncProgress,
      };
    }
    if (status === 'CONTINUED_AS_NEW') {
      // The handle follows the chain: a describe in between can see the closed run.
      return { companyId, workflowId, status: 'running', progress: null };
    }
    return { companyId, workflowId, status: 'failed', progress: null };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { companyId, workflowId, status: 'none', progress: null };
    throw err;
  }
}

/** A company that does not exist was named. */
export class UnknownCompanyError extends Error {
  override readonly name = 'UnknownCompanyError';
  constructor(readonly companyId: string) {
    super(`there is no company "${companyId}"`);
  }
}

/** One dependency's state. */
export type CheckResult =
  { status: 'ok' } | { status: 'failed'; error: string } | { status: 'unchecked'; reason: string };

/** What `joiner status` and `GET /admin/api/status` report. */
export interface InstallationStatus {
  database: CheckResult;
  temporal: CheckResult & { namespace: string };
  companies: Array<{
    companyId: string;
    name: string;
    /** The connection as recorded (consent given, not removed). */
    entraStatus: string;
    tenantId: string | null;
    /** A live check of the tenant (a fresh token and a read), where this process can reach Entra. */
    entraCheck: CheckResult;
  }>;
}

function failed(err: unknown): CheckResult {
  const message = err instanceof Error ? err.message : String(err);
  return { status: 'failed', error: message.split('\n')[0]!.slice(0, 300) };
}

/**
 * Checks the database, Temporal and each company's Entra connection. `checkTenant` runs a live check of a connected
 * tenant (`EntraDirectory.checkConnection`); without it the recorded state is reported as `unchecked`. The
 * database is always checked; Temporal when a check is given.
 */
export async function readInstallationStatus(deps: {
  db: Db;
  /** Resolves when Temporal answers (see {@link checkTemporal}); null when this process has no Temporal client. */
  temporal: (() => Promise<void>) | null;
  namespace: string;
  checkTenant?: (tenantId: string) => Promise<void>;
  /** Why there is no Temporal client, when there is none. */
  temporalUnavailableReason?: string;
}): Promise<InstallationStatus> {
  const database = await pingDatabase(deps.db).then((): CheckResult => ({ status: 'ok' }), failed);
  const temporal: CheckResult =
    deps.temporal === null
      ? { status: 'unchecked', reason: deps.temporalUnavailableReason ?? 'no Temporal address' }
      : await deps.temporal().then((): CheckResult => ({ status: 'ok' }), failed);
  const companies = database.status === 'ok' ? await listCompanies(deps.db) : [];
  return {
    database,
    temporal: { ...temporal, namespace: deps.namespace },
    companies: await Promise.all(
      companies.map(async (company) => {
        let entraCheck: CheckResult;
        if (company.entraTenantId === null || company.entraStatus !== 'connected') {
          entraCheck = { status: 'unchecked', reason: 'not connected' };
        } else if (deps.checkTenant === undefined) {
          entraCheck = { status: 'unchecked', reason: 'this process has no Entra client' };
        } else {
          entraCheck = await deps
            .checkTenant(company.entraTenantId)
            .then((): CheckResult => ({ status: 'ok' }), failed);
        }
        return {
          companyId: company.id,
          name: company.name,
          entraStatus: company.entraStatus,
          tenantId: company.entraTenantId,
          entraCheck,
        };
      }),
    ),
  };
}

/** One employee as `GET /admin/api/employees/:id`, `joiner employees show` and the console's page show it. */
export type EmployeeDetails = EmployeeView & {
  /** The employee's workflow in the Temporal UI. */
  temporalUiUrl: string;
};

/** One employee's view (see {@link getEmployeeView}) with its workflow's Temporal UI page; null when there is none. */
export async function readEmployeeDetails(
  deps: EmployeeViewDeps,
  config: Pick<JoinerConfig, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>,
  companyId: string,
  employeeId: string,
  options?: Parameters<typeof getEmployeeView>[3],
): Promise<EmployeeDetails | null> {
  const view = await getEmployeeView(deps, companyId, employeeId, options);
  if (view === null) return null;
  const temporalUiUrl =
    `${config.TEMPORAL_UI_URL}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}` +
    `/workflows/${encodeURIComponent(view.workflowId)}`;
  return { ...view, temporalUiUrl };
}
