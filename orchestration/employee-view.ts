/**
 * One employee as the console and `joiner employees show` present it: the HR snapshot and the database row, the
 * workflow's `state` query (phase, Entra object id, what was last written, pending timers, last error), the HR
 * events as a timeline and a preview of the next reconciliation. Temporal is asked with a deadline, so a Temporal
 * that is down or slow makes the page say so instead of hanging it; the database part is always there.
 */
import type { WorkflowClient } from '@temporalio/client';
import type { PushedEntraState } from '../domain/graph-user';
import { storedCompanyPolicies } from '../domain/policies';
import type { ReconciliationPreview } from '../domain/reconciliation-preview';
import { previewReconciliation } from '../domain/reconciliation-preview';
import { getCompany } from '../store/companies';
import type { Db } from '../store/db';
import type { EmployeeHrEvent, EmployeeListPage, EmployeeListQuery } from '../store/employee-read-model';
import { listEmployeeHrEvents, searchEmployees } from '../store/employee-read-model';
import type { Employee } from '../store/employees';
import { getEmployee } from '../store/employees';
import type { EmployeeLifecycleState } from '../workflows/definitions';
import { employeeWorkflowId, stateQuery } from '../workflows/definitions';
import { waitAtMost } from './deadline';

/** How long a page waits for the workflow's answer by default. */
export const workflowQueryDeadlineMs = 2_000;

/** What the employee's workflow answered, or why there is no answer. */
export type WorkflowStateResult =
  | { status: 'answered'; state: EmployeeLifecycleState }
  /** Temporal has no workflow for the employee (never started, or lost; a resync re-drives it). */
  | { status: 'not-found' }
  /** Temporal did not answer in time or failed: `reason` in words. */
  | { status: 'unavailable'; reason: string };

/** The Temporal client part the read model needs. */
export type WorkflowQueryClient = Pick<WorkflowClient, 'getHandle' | 'withDeadline'>;

/** Asks the employee's workflow for its `state`, waiting at most `deadlineMs`. Never throws. */
export async function queryEmployeeWorkflow(
  client: WorkflowQueryClient,
  companyId: string,
  employeeId: string,
  deadlineMs = workflowQueryDeadlineMs,
): Promise<WorkflowStateResult> {
  // A gRPC deadline ends the call and the client's retries of an unreachable server; the race below is the backstop.
  const asking = client
    .withDeadline(Date.now() + deadlineMs, () =>
      client.getHandle(employeeWorkflowId(companyId, employeeId)).query(stateQuery),
    )
    .then(
      (state): WorkflowStateResult => ({ status: 'answered', state }),
      (err: unknown): WorkflowStateResult => {
        if (err instanceof Error && err.name === 'WorkflowNotFoundError') return { status: 'not-found' };
        return { status: 'unavailable', reason: `Temporal refused the query: ${(err as Error).message ?? err}` };
      },
    );
  const outcome = await waitAtMost(asking, deadlineMs);
  return outcome.settled
    ? outcome.value
    : { status: 'unavailable', reason: `Temporal did not answer within ${deadlineMs / 1000} s` };
}

export interface EmployeeView {
  companyId: string;
  workflowId: string;
  /** The database row: HR snapshot (`employee.snapshot`), phase and last error as last recorded, versions. */
  employee: Employee;
  workflow: WorkflowStateResult;
  /** Newest first. */
  hrEvents: EmployeeHrEvent[];
  /** What was last written to Entra: the workflow's view when it answered, else the database's copy. */
  lastPushed: PushedEntraState | null;
  entraObjectId: string | null;
  preview: ReconciliationPreview;
}

export interface EmployeeViewDeps {
  db: Db;
  client: WorkflowQueryClient;
}

/**
 * One employee's view, or null when the company has no such employee. `verifiedDomains` (when the caller has
 * them) lets the preview say whether a create would pass the domain rule.
 */
export async function getEmployeeView(
  deps: EmployeeViewDeps,
  companyId: string,
  employeeId: string,
  options: { deadlineMs?: number; verifiedDomains?: readonly string[] | null } = {},
): Promise<EmployeeView | null> {
  const [employee, company, workflow, hrEvents] = await Promise.all([
    getEmployee(deps.db, companyId, employeeId),
    getCompany(deps.db, companyId),
    queryEmployeeWorkflow(deps.client, companyId, employeeId, options.deadlineMs),
    listEmployeeHrEvents(deps.db, companyId, employeeId),
  ]);
  if (employee === null || company === null) return null;
  const answered = workflow.status === 'answered' ? workflow.state : null;
  const lastPushed = answered?.lastPushed ?? employee.pushedEntraState ?? null;
  const entraObjectId = answered?.entraObjectId ?? employee.entraObjectId ?? null;
  const latest = hrEvents.find((e) => e.outcome === 'accepted');
  const preview = previewReconciliation({
    snapshot: employee.snapshot,
    policies: storedCompanyPolicies(company.policies),
    entraObjectId,
    lastPushed,
    deletedInHr: latest?.type === 'employee.deleted',
    verifiedDomains: options.verifiedDomains,
  });
  return {
    companyId,
    workflowId: employeeWorkflowId(companyId, employeeId),
    employee,
    workflow,
    hrEvents,
    lastPushed,
    entraObjectId,
    preview,
  };
}

export interface EmployeeViewPage extends EmployeeListPage {
  /** The workflow's answer per employee id on this page (pending timers, the live phase). */
  workflows: Map<string, WorkflowStateResult>;
}

/**
 * A page of employees (see {@link searchEmployees}) with each one's workflow state, asked in parallel (at most
 * `concurrency` at a time) under one deadline for the whole page.
 */
export async function listEmployeeViews(
  deps: EmployeeViewDeps,
  companyId: string,
  query: EmployeeListQuery,
  options: { deadlineMs?: number; concurrency?: number } = {},
): Promise<EmployeeViewPage> {
  const page = await searchEmployees(deps.db, companyId, query);
  const deadlineMs = options.deadlineMs ?? workflowQueryDeadlineMs;
  const deadline = Date.now() + deadlineMs;
  const workflows = new Map<string, WorkflowStateResult>();
  const ids = page.rows.map((r) => r.id);
  let next = 0;
  const lane = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const left = deadline - Date.now();
      workflows.set(
        id,
        left <= 0
          ? { status: 'unavailable', reason: `Temporal did not answer within ${deadlineMs / 1000} s` }
          : await queryEmployeeWorkflow(deps.client, companyId, id, left),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, ids.length) }, lane));
  return { ...page, workflows };
}
