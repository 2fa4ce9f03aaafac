/**
 * One employee: the database row joined with the workflow's `state` query, the Preview of the next reconciliation,
 * what was last written to Entra, the HR events as a timeline, and Resync.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { PropertyChange, ReconciliationPreview } from '../../../domain/reconciliation-preview';
import { waitAtMost } from '../../../orchestration/deadline';
import { resyncEmployee } from '../../../orchestration/employee-resync';
import type { EmployeeDetails } from '../../../orchestration/operations';
import { readEmployeeDetails } from '../../../orchestration/operations';
import { getConnectedTenantId } from '../../../store/companies';
import { getEmployee } from '../../../store/employees';
import type { AppDeps } from '../../deps';
import { actorOf } from '../auth';
import type { Html } from '../html';
import { csrfField, dataTable, html, messagePage, time } from '../html';
import {
  consoleCompanyId as companyId,
  flashAndRedirect,
  logConsoleAction,
  renderPage,
  sessionOf,
  takeFlash,
} from '../respond';
import { phaseText, timersText } from './employees';

function valueText(value: string | readonly string[] | null | undefined): string {
  if (value === undefined) return '(not written by Joiner)';
  if (value === null) return '(cleared)';
  if (typeof value !== 'string') return value.length === 0 ? '(none)' : value.join(', ');
  return value;
}

function previewSection(preview: ReconciliationPreview): Html {
  const changeTable = (changes: readonly PropertyChange[], withFrom: boolean) =>
    dataTable({
      columns: ['Property', ...(withFrom ? ['Now (last written)'] : []), 'Would become'],
      rows: changes.map(
        (c) =>
          html`<tr>
            <td class="mono">${c.property}</td>
            ${withFrom ? html`<td>${valueText(c.from)}</td>` : ''}
            <td>${valueText(c.to)}</td>
          </tr>`,
      ),
    });
  switch (preview.kind) {
    case 'hr-deleted':
      return html`<p>
        HR deleted this employee: the workflow ends; the Entra user is kept or deleted as the policies say.
      </p>`;
    case 'cannot-create':
      return html`<p>Nothing would be written yet: ${preview.reason}</p>`;
    case 'create':
      return html`<p>The Entra user <span class="mono">${preview.userPrincipalName}</span> would be created with:</p>
        ${changeTable(preview.changes, false)}
        ${
          preview.managerEmployeeId === null
            ? ''
            : html`<p>Manager: employee <span class="mono">${preview.managerEmployeeId}</span> (once in Entra).</p>`
        }`;
    case 'update':
      if (preview.changes.length === 0 && preview.manager === null) {
        return html`<p id="preview-none">No changes: Entra is in line with HR.</p>`;
      }
      return html`${preview.changes.length === 0 ? '' : changeTable(preview.changes, true)}
      ${
        preview.manager === null
          ? ''
          : html`<p>
              Manager:
              ${
                preview.manager.to === null
                  ? 'would be removed'
                  : html`would be set to employee <span class="mono">${preview.manager.to}</span>`
              }.
            </p>`
      }`;
  }
}

export function employeePage(options: { view: EmployeeDetails; csrf: string }): Html {
  const { view } = options;
  const e = view.employee;
  const s = e.snapshot;
  const workflow = view.workflow;
  const state = workflow.status === 'answered' ? workflow.state : null;
  const name = [s.firstName, s.lastName].filter(Boolean).join(' ') || e.id;
  const workflowNote =
    workflow.status === 'answered'
      ? ''
      : workflow.status === 'not-found'
        ? html`<p class="muted" role="status">Temporal has no workflow for this employee: Resync starts it.</p>`
        : html`<p class="error-text" role="status">
            ${workflow.reason}. The page shows what the database last recorded.
          </p>`;
  const pushed = view.lastPushed;
  const lastError = state?.lastError ?? null;
  return html`<p><a href="/employees">← Employees</a></p>
    <h1>${name}</h1>
    ${workflowNote}
    <section class="card" aria-labelledby="state-heading">
      <h2 id="state-heading">State</h2>
      <dl class="facts">
        <dt>HR id</dt>
        <dd class="mono">${e.id}</dd>
        <dt>Work email</dt>
        <dd>${s.workEmail ?? '—'}</dd>
        <dt>Phase</dt>
        <dd id="employee-phase">${phaseText(state?.phase ?? e.phase)}</dd>
        ${
          state?.waitingReason
            ? html`<dt>Waiting because</dt>
                <dd>${state.waitingReason}</dd>`
            : ''
        }
        <dt>Entra object id</dt>
        <dd class="mono" id="employee-entra-id">${view.entraObjectId ?? '—'}</dd>
        <dt>User principal name</dt>
        <dd class="mono">${pushed?.userPrincipalName || '—'}</dd>
        <dt>HR version</dt>
        <dd>${e.version} (reconciled: ${state?.reconciledHrVersion ?? e.reconciledVersion ?? 'not yet'})</dd>
        <dt>Manager</dt>
        <dd>
          ${
            state?.manager
              ? html`${state.manager.employeeId} —
                ${state.manager.status}${state.manager.reason ? `: ${state.manager.reason}` : ''}`
              : (s.reportsTo ?? '—')
          }
        </dd>
        <dt>Pending timers</dt>
        <dd>${timersText(workflow)}</dd>
        <dt>Last error</dt>
        <dd>
          ${
            lastError !== null
              ? html`<span class="error-text">${lastError.message}</span> (${lastError.type}, ${time(lastError.at)})`
              : e.lastError === null
                ? '—'
                : html`<span class="error-text">${e.lastError}</span>`
          }
        </dd>
        <dt>Workflow</dt>
        <dd><a href="${view.temporalUiUrl}" rel="noopener">${view.workflowId} in the Temporal UI</a></dd>
      </dl>
      <form method="post" action="/employees/${encodeURIComponent(e.id)}/resync" class="actions">
        ${csrfField(options.csrf)}
        <button type="submit">Resync</button>
        <span class="muted">Sends the stored HR snapshot to the workflow again, which writes what differs.</span>
      </form>
    </section>
    <section class="card" aria-labelledby="preview-heading" id="preview">
      <h2 id="preview-heading">Preview</h2>
      <p class="muted">What the next reconciliation would change in Entra (computed; nothing is written).</p>
      ${previewSection(view.preview)}
    </section>
    <section class="card" aria-labelledby="pushed-heading">
      <h2 id="pushed-heading">Last written to Entra</h2>
      ${
        pushed === null
          ? html`<p>Nothing written yet.</p>`
          : dataTable({
              id: 'pushed-table',
              columns: ['Property', 'Value'],
              rows: [
                ...Object.entries(pushed.fields).map(
                  ([k, v]) =>
                    html`<tr>
                      <td class="mono">${k}</td>
                      <td>${valueText(v)}</td>
                    </tr>`,
                ),
                html`<tr>
                  <td class="mono">manager</td>
                  <td>${pushed.managerEmployeeId ?? '(none)'}</td>
                </tr>`,
              ],
            })
      }
    </section>
    <section class="card" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      ${
        view.hrEvents.length === 0
          ? html`<p>No HR events kept.</p>`
          : html`<ol class="timeline">
              ${view.hrEvents.map(
                (ev) =>
                  html`<li>
                    <strong>${ev.type}</strong> (version ${ev.employeeVersion}) at ${time(ev.occurredAt)} —
                    ${
                      ev.outcome === 'stale'
                        ? 'older than the stored snapshot: not applied'
                        : ev.deliveredAt === null
                          ? html`kept, not yet handed to the
                            workflow${
                              ev.lastDeliveryError
                                ? html` (<span class="error-text">${ev.lastDeliveryError}</span>)`
                                : ''
                            }`
                          : html`handed to the workflow ${time(ev.deliveredAt)}`
                    } <br /><span class="muted mono">${ev.eventId}</span>
                  </li>`,
              )}
            </ol>`
      }
    </section>`;
}

export function employeeRoutes(router: Router, deps: AppDeps): void {
  const { db, config, logger, entra } = deps;

  /** The connected tenant's verified domains for the Preview; null when unknown (not connected, Entra slow). */
  async function verifiedDomainsOrNull(): Promise<string[] | null> {
    const tenantId = await getConnectedTenantId(db, companyId);
    if (entra === undefined || tenantId === null) return null;
    try {
      const outcome = await waitAtMost(entra.listVerifiedDomains({ tenantId }), 3_000);
      return outcome.settled ? outcome.value.map((d) => d.name) : null;
    } catch {
      return null;
    }
  }

  const notFound = (ctx: Context, employeeId: string) => {
    ctx.status = 404;
    renderPage(ctx, 'Employee not found', messagePage(`There is no employee with HR id “${employeeId}”.`), {
      section: 'employees',
    });
  };

  router.get('/employees/:id', async (ctx) => {
    const employeeId = ctx.params.id!;
    const view = await readEmployeeDetails({ db, client: deps.temporal.client }, config, companyId, employeeId, {
      verifiedDomains: await verifiedDomainsOrNull(),
    });
    if (view === null) {
      return notFound(ctx, employeeId);
    }
    renderPage(
      ctx,
      [view.employee.snapshot.firstName, view.employee.snapshot.lastName].filter(Boolean).join(' ') || employeeId,
      employeePage({ view, csrf: sessionOf(ctx).csrf }),
      { section: 'employees', flash: await takeFlash(db, ctx) },
    );
  });
  router.post('/employees/:id/resync', async (ctx) => {
    const employeeId = ctx.params.id!;
    const back = `/employees/${encodeURIComponent(employeeId)}`;
    if ((await getEmployee(db, companyId, employeeId)) === null) {
      return notFound(ctx, employeeId);
    }
    try {
      await resyncEmployee({ db, temporal: { ...deps.temporal, deliveryTimeoutMs: 5_000 } }, companyId, employeeId);
      logConsoleAction(logger, ctx, 'employee.resync', 'console: employee resync sent', { employeeId });
      await flashAndRedirect(db, ctx, { kind: 'info', text: 'Resync sent: the workflow writes what differs.' }, back);
    } catch (err) {
      logger.warn({ err, actor: actorOf(ctx), companyId, employeeId }, 'console: employee resync not sent');
      await flashAndRedirect(
        db,
        ctx,
        { kind: 'error', text: `The resync was not sent: ${(err as Error).message}. Try again.` },
        back,
      );
    }
  });
}
