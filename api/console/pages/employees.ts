/**
 * Employees: the list (search, phase filter, keyset paging) with each employee's phase, Entra object id, pending
 * timers and last error. One employee's page is `employee.ts`.
 */
import type Router from '@koa/router';
import { LifecyclePhase } from '../../../domain/lifecycle-phase';
import type { EmployeeViewPage, WorkflowStateResult } from '../../../orchestration/employee-view';
import { listEmployeeViews } from '../../../orchestration/employee-view';
import type { EmployeeListQuery, EmployeePhaseFilter } from '../../../store/employee-read-model';
import { countEmployeesByPhase, notStartedPhase } from '../../../store/employee-read-model';
import type { AppDeps } from '../../deps';
import type { Html } from '../html';
import { dataTable, html, messagePage, raw, time } from '../html';
import { consoleCompanyId as companyId, renderPage, takeFlash } from '../respond';

/** Employees per page of the list. */
export const employeePageSize = 50;

/** The phases in lifecycle order, with the words the console shows. */
export const phaseLabels: Readonly<Record<string, string>> = {
  [notStartedPhase]: 'Not started',
  [LifecyclePhase.WaitingForData]: 'Waiting for HR data',
  [LifecyclePhase.WaitingForDomain]: 'Waiting for a verified domain',
  [LifecyclePhase.WaitingForConnection]: 'Waiting for the Entra connection',
  [LifecyclePhase.Scheduled]: 'Scheduled',
  [LifecyclePhase.Provisioning]: 'Provisioning',
  [LifecyclePhase.Active]: 'Active',
  [LifecyclePhase.Blocked]: 'Blocked',
  [LifecyclePhase.Offboarding]: 'Offboarding',
  [LifecyclePhase.Left]: 'Left',
  [LifecyclePhase.Deleted]: 'Deleted',
};

export function phaseText(phase: string | null): string {
  return phaseLabels[phase ?? notStartedPhase] ?? phase ?? 'Not started';
}

export function timersText(workflow: WorkflowStateResult | undefined): Html {
  if (workflow === undefined || workflow.status === 'unavailable') return html`<span class="muted">unknown</span>`;
  if (workflow.status === 'not-found') return html`<span class="muted">no workflow</span>`;
  const timers = workflow.state.pendingTimers;
  if (timers.length === 0) return html`none`;
  return html`${timers.map((t, i) => html`${i > 0 ? html`<br />` : ''}${t.kind} at ${time(t.dueAt)}`)}`;
}

export function employeesPage(options: {
  page: EmployeeViewPage;
  query: EmployeeListQuery;
  phaseCounts: Record<string, number>;
  temporalNote: string | null;
}): Html {
  const { page, query } = options;
  const link = (cursor: { after?: string; before?: string }) => {
    const params = new URLSearchParams();
    if (query.search) params.set('q', query.search);
    if (query.phase) params.set('phase', query.phase);
    if (cursor.after !== undefined) params.set('after', cursor.after);
    if (cursor.before !== undefined) params.set('before', cursor.before);
    return `/employees?${params.toString()}`;
  };
  const rows = page.rows.map((row) => {
    const workflow = page.workflows.get(row.id);
    const phase = workflow?.status === 'answered' ? workflow.state.phase : row.phase;
    const name = [row.firstName, row.lastName].filter(Boolean).join(' ') || '(no name)';
    return html`<tr>
      <td>
        <a href="/employees/${encodeURIComponent(row.id)}">${name}</a><br /><span class="mono muted">${row.id}</span>
      </td>
      <td>${row.workEmail ?? ''}</td>
      <td>${phaseText(phase)}</td>
      <td class="mono">${row.entraObjectId ?? '—'}</td>
      <td>${time(row.lastHrChangeAt)}</td>
      <td>${timersText(workflow)}</td>
      <td>${row.lastError === null ? '—' : html`<span class="error-text">${row.lastError}</span>`}</td>
    </tr>`;
  });
  const phases = Object.keys(phaseLabels);
  return html`<h1>Employees</h1>
    <form method="get" action="/employees" class="filters" role="search">
      <div>
        <label for="q">Search</label>
        <input type="search" id="q" name="q" value="${query.search ?? ''}" placeholder="Name, email or HR id" />
      </div>
      <div>
        <label for="phase">Phase</label>
        <select id="phase" name="phase">
          <option value="">All phases</option>
          ${phases.map(
            (p) =>
              html`<option value="${p}" ${query.phase === p ? raw('selected') : ''}>
                ${phaseLabels[p]} (${options.phaseCounts[p] ?? 0})
              </option>`,
          )}
        </select>
      </div>
      <div><button type="submit">Search</button></div>
    </form>
    ${options.temporalNote === null ? '' : html`<p class="muted" role="status">${options.temporalNote}</p>`}
    <p id="employee-count">${page.total} ${page.total === 1 ? 'employee' : 'employees'}</p>
    ${dataTable({
      columns: ['Employee', 'Work email', 'Phase', 'Entra object id', 'Last HR change', 'Pending timers', 'Last error'],
      rows,
      empty: 'No employees match.',
    })}
    <nav class="pager" aria-label="Pages">
      ${page.previousBefore === null ? '' : html`<a href="${link({ before: page.previousBefore })}">← Previous</a>`}
      ${page.nextAfter === null ? '' : html`<a href="${link({ after: page.nextAfter })}">Next →</a>`}
    </nav>`;
}

export function employeesRoutes(router: Router, deps: AppDeps): void {
  const { db } = deps;
  const phases = new Set<string>([...Object.values(LifecyclePhase), notStartedPhase]);
  router.get('/employees', async (ctx) => {
    const one = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    const search = one(ctx.query.q)?.slice(0, 200);
    const phaseParam = one(ctx.query.phase);
    if (phaseParam !== undefined && !phases.has(phaseParam)) {
      ctx.status = 400;
      return renderPage(ctx, 'Employees', messagePage(`There is no phase “${phaseParam}”.`), { section: 'employees' });
    }
    const query: EmployeeListQuery = {
      search: search ?? null,
      phase: (phaseParam as EmployeePhaseFilter | undefined) ?? null,
      limit: employeePageSize,
      after: one(ctx.query.after)?.slice(0, 200) ?? null,
      before: one(ctx.query.before)?.slice(0, 200) ?? null,
    };
    if (query.after !== null) query.before = null;
    const [list, phaseCounts] = await Promise.all([
      listEmployeeViews({ db, client: deps.temporal.client }, companyId, query),
      countEmployeesByPhase(db, companyId),
    ]);
    const unanswered = [...list.workflows.values()].find((w) => w.status === 'unavailable');
    renderPage(
      ctx,
      'Employees',
      employeesPage({
        page: list,
        query,
        phaseCounts,
        temporalNote:
          unanswered?.status === 'unavailable'
            ? `${unanswered.reason}: phases are as last recorded, pending timers unknown.`
            : null,
      }),
      { section: 'employees', flash: await takeFlash(db, ctx) },
    );
  });
}
