/**
 * The console's pages, as pure functions of what the routes loaded. Words follow what the administrator was told to
 * look for: Settings → Integrations → "Microsoft Entra ID (Azure AD)" → "Integrate" … "Connected" … "Remove
 * integration"; Settings → "Access tokens" → "Name", "Description", "Save".
 */
import type { PropertyChange, ReconciliationPreview } from '../../domain/reconciliation-preview';
import { accessTokenDescriptionMaxLength, accessTokenNameMaxLength } from '../../domain/access-token-fields';
import { LifecyclePhase } from '../../domain/lifecycle-phase';
import type { WorkflowStateResult, EmployeeView, EmployeeViewPage } from '../../orchestration/employee-view';
import type { AccessTokenInfo } from '../../store/access-tokens';
import type { EmployeeListQuery } from '../../store/employee-read-model';
import { notStartedPhase } from '../../store/employee-read-model';
import type { ScimAccount } from '../../store/scim-users';
import type { Html } from './html';
import { html, raw, time } from './html';
import type { IntegrationStatus } from './integration';
import { requiredPermissions } from './integration';

const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}" />`;

/** The page shown when ADMIN_PASSWORD is not set: how to set it, and nothing else. */
export function setupPage(): Html {
  return html`<h1>Set an administrator password</h1>
    <div class="card">
      <p>The console is switched off because <code>ADMIN_PASSWORD</code> is not set.</p>
      <p>
        Set the environment variable <code>ADMIN_PASSWORD</code> of the Joiner API process to a long random password
        (for example <code>ADMIN_PASSWORD="$(openssl rand -base64 24)"</code>), restart it, and sign in here with that
        password.
      </p>
    </div>`;
}

export function signInPage(options: { formToken: string; next: string; error?: string }): Html {
  return html`<h1>Sign in</h1>
    <form method="post" action="/sign-in" class="card">
      <input type="hidden" name="_signin" value="${options.formToken}" />
      <input type="hidden" name="next" value="${options.next}" />
      ${
        options.error === undefined
          ? ''
          : html`<p class="error-text" role="alert" id="sign-in-error">${options.error}</p>`
      }
      <label for="password">Administrator password</label>
      <input
        type="password"
        id="password"
        name="password"
        autocomplete="current-password"
        required
        autofocus
        ${options.error === undefined ? '' : raw('aria-describedby="sign-in-error" aria-invalid="true"')}
      />
      <div class="actions"><button type="submit">Sign in</button></div>
    </form>`;
}

/** A page body with only a message (an error that needs no form). */
export function messagePage(message: string): Html {
  return html`<div class="card"><p role="alert">${message}</p></div>`;
}

/** A page that asks before a destructive action: the action posts, Cancel goes back. */
export function confirmPage(options: {
  title: string;
  question: Html | string;
  action: string;
  confirmLabel: string;
  cancelHref: string;
  csrf: string;
}): Html {
  return html`<h1>${options.title}</h1>
    <form method="post" action="${options.action}" class="card">
      ${csrfField(options.csrf)}
      <p>${options.question}</p>
      <div class="actions">
        <button type="submit" class="danger">${options.confirmLabel}</button>
        <a class="button secondary" href="${options.cancelHref}">Cancel</a>
      </div>
    </form>`;
}

export function integrationsPage(options: {
  status: IntegrationStatus;
  csrf: string;
  /** False when this process cannot start a consent (no Entra credentials). */
  canIntegrate: boolean;
}): Html {
  const { status } = options;
  const integrate = html`<form method="post" action="/settings/integrations/entra/integrate">
    ${csrfField(options.csrf)}
    <button type="submit" ${options.canIntegrate ? '' : raw('disabled')}>Integrate</button>
  </form>`;
  const remove = html`<a class="button secondary" href="/settings/integrations/entra/remove">Remove integration</a>`;
  let body: Html;
  if (status.state === 'connected') {
    body = html`<p>
        <span class="status status-connected" id="entra-status">Connected</span>
      </p>
      <dl class="facts">
        <dt>Tenant id</dt>
        <dd class="mono" id="entra-tenant">${status.tenantId}</dd>
        <dt>Verified domains</dt>
        <dd id="entra-domains">${status.verifiedDomains.map((d) => d.name).join(', ') || '(none)'}</dd>
        <dt>Connected since</dt>
        <dd>${time(status.connectedAt)}</dd>
      </dl>
      <p class="muted">
        Employees whose work email is on a verified domain are created and updated in Microsoft Entra ID.
      </p>
      <div class="actions">${remove}</div>`;
  } else if (status.state === 'disconnected') {
    body = html`<p>
        <span class="status status-disconnected" id="entra-status">Disconnected</span>
      </p>
      <p id="entra-reason" role="alert">${status.reason}</p>
      <dl class="facts">
        <dt>Tenant id</dt>
        <dd class="mono" id="entra-tenant">${status.tenantId}</dd>
      </dl>
      <p class="muted">
        The status is checked each time this page loads: refresh the page to retry the connection. Changes from HR are
        kept and written to Entra ID once the connection works.
      </p>
      <div class="actions">${integrate} ${remove}</div>`;
  } else {
    body = html`<p>
        <span class="status status-disconnected" id="entra-status">Disconnected</span>
      </p>
      <p id="entra-reason">
        ${
          status.removedTenantId === null
            ? 'Not integrated yet.'
            : html`The integration with tenant <span class="mono">${status.removedTenantId}</span> was removed
                ${status.removedAt === null ? '' : html`on ${time(status.removedAt)}`}. Changes from HR are kept and
                written to Entra ID once you integrate again.`
        }
      </p>
      <p>Click Integrate and sign in to Microsoft as an administrator to grant Joiner:</p>
      <ul>
        ${requiredPermissions.map((p) => html`<li>${p.words} (<code>${p.permission}</code>)</li>`)}
      </ul>
      <div class="actions">${integrate}</div>`;
  }
  return html`<h1>Integrations</h1>
    <section class="card" aria-labelledby="entra-heading">
      <h2 id="entra-heading">Microsoft Entra ID (Azure AD)</h2>
      ${body}
    </section>`;
}

export function accessTokensPage(options: {
  tokens: AccessTokenInfo[];
  csrf: string;
  tenantUrl: string;
  created?: { token: string; name: string };
  errors?: { name?: string; description?: string };
  values?: { name: string; description: string };
}): Html {
  const { errors = {}, values = { name: '', description: '' } } = options;
  const dialog =
    options.created === undefined
      ? ''
      : html`<dialog open data-open aria-labelledby="token-dialog-title" id="token-dialog">
          <h2 id="token-dialog-title">Access token “${options.created.name}” created</h2>
          <p>Copy the token now: it is shown this once and cannot be read back.</p>
          <label for="new-token">Secret Token</label>
          <div class="token-box">
            <input type="text" id="new-token" readonly value="${options.created.token}" />
            <button type="button" data-copy="new-token">Copy</button>
          </div>
          <p id="new-token-status" role="status" class="muted"></p>
          <label for="tenant-url">Tenant URL</label>
          <div class="token-box">
            <input type="text" id="tenant-url" readonly value="${options.tenantUrl}" />
            <button type="button" data-copy="tenant-url" class="secondary">Copy</button>
          </div>
          <p id="tenant-url-status" role="status" class="muted"></p>
          <p class="muted">
            In the Azure portal, open the app's Provisioning tab, enter them as Tenant URL and Secret Token, and click
            Test Connection.
          </p>
          <form method="get" action="/settings/access-tokens">
            <button type="submit" data-close>Done</button>
          </form>
        </dialog>`;
  const fieldError = (id: string, message: string | undefined) =>
    message === undefined ? '' : html`<p class="error-text" id="${id}-error">${message}</p>`;
  const rows = options.tokens.map(
    (t) =>
      html`<tr>
        <td>${t.name}</td>
        <td>${t.description ?? ''}</td>
        <td class="mono">${t.displayPrefix}…</td>
        <td>${time(t.createdAt)}</td>
        <td>${time(t.lastUsedAt, 'never')}</td>
        <td>
          ${
            t.revokedAt === null
              ? html`<a href="/settings/access-tokens/${t.id}/revoke" aria-label="Revoke ${t.name}">Revoke</a>`
              : html`Revoked ${time(t.revokedAt)}`
          }
        </td>
      </tr>`,
  );
  return html`<h1>Access tokens</h1>
    ${dialog}
    <form method="post" action="/settings/access-tokens" class="card" novalidate>
      <h2>New access token</h2>
      ${csrfField(options.csrf)}
      <label for="token-name">Name</label>
      <input
        type="text"
        id="token-name"
        name="name"
        required
        maxlength="${accessTokenNameMaxLength}"
        value="${values.name}"
        ${errors.name === undefined ? '' : raw('aria-invalid="true" aria-describedby="token-name-error"')}
      />
      ${fieldError('token-name', errors.name)}
      <label for="token-description">Description</label>
      <textarea
        id="token-description"
        name="description"
        maxlength="${accessTokenDescriptionMaxLength}"
        ${errors.description === undefined ? '' : raw('aria-invalid="true" aria-describedby="token-description-error"')}
      >
${values.description}</textarea>
      ${fieldError('token-description', errors.description)}
      <div class="actions"><button type="submit">Save</button></div>
      <p class="muted">Tenant URL for Entra's provisioning: <code>${options.tenantUrl}</code></p>
    </form>
    <h2>Tokens</h2>
    ${
      options.tokens.length === 0
        ? html`<p>No access tokens yet.</p>`
        : html`<div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Description</th>
                  <th scope="col">Token</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                ${rows}
              </tbody>
            </table>
          </div>`
    }`;
}

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

function phaseText(phase: string | null): string {
  return phaseLabels[phase ?? notStartedPhase] ?? phase ?? 'Not started';
}

function timersText(workflow: WorkflowStateResult | undefined): Html {
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
    ${
      page.rows.length === 0
        ? html`<p>No employees match.</p>`
        : html`<div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Employee</th>
                  <th scope="col">Work email</th>
                  <th scope="col">Phase</th>
                  <th scope="col">Entra object id</th>
                  <th scope="col">Last HR change</th>
                  <th scope="col">Pending timers</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                ${rows}
              </tbody>
            </table>
          </div>`
    }
    <nav class="pager" aria-label="Pages">
      ${page.previousBefore === null ? '' : html`<a href="${link({ before: page.previousBefore })}">← Previous</a>`}
      ${page.nextAfter === null ? '' : html`<a href="${link({ after: page.nextAfter })}">Next →</a>`}
    </nav>`;
}

function valueText(value: string | readonly string[] | null | undefined): string {
  if (value === undefined) return '(not written by Joiner)';
  if (value === null) return '(cleared)';
  if (typeof value !== 'string') return value.length === 0 ? '(none)' : value.join(', ');
  return value;
}

function previewSection(preview: ReconciliationPreview): Html {
  const changeTable = (changes: readonly PropertyChange[], withFrom: boolean) =>
    html`<div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Property</th>
            ${withFrom ? html`<th scope="col">Now (last written)</th>` : ''}
            <th scope="col">Would become</th>
          </tr>
        </thead>
        <tbody>
          ${changes.map(
            (c) =>
              html`<tr>
                <td class="mono">${c.property}</td>
                ${withFrom ? html`<td>${valueText(c.from)}</td>` : ''}
                <td>${valueText(c.to)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
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

export function employeePage(options: {
  view: EmployeeView;
  csrf: string;
  temporalUiUrl: string;
  namespace: string;
}): Html {
  const { view } = options;
  const e = view.employee;
  const s = e.snapshot;
  const workflow = view.workflow;
  const state = workflow.status === 'answered' ? workflow.state : null;
  const name = [s.firstName, s.lastName].filter(Boolean).join(' ') || e.id;
  const temporalLink = `${options.temporalUiUrl}/namespaces/${encodeURIComponent(options.namespace)}/workflows/${encodeURIComponent(view.workflowId)}`;
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
        <dd><a href="${temporalLink}" rel="noopener">${view.workflowId} in the Temporal UI</a></dd>
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
          : html`<div class="table-wrap">
              <table id="pushed-table">
                <thead>
                  <tr>
                    <th scope="col">Property</th>
                    <th scope="col">Value</th>
                  </tr>
                </thead>
                <tbody>
                  ${Object.entries(pushed.fields).map(
                    ([k, v]) =>
                      html`<tr>
                        <td class="mono">${k}</td>
                        <td>${valueText(v)}</td>
                      </tr>`,
                  )}
                  <tr>
                    <td class="mono">manager</td>
                    <td>${pushed.managerEmployeeId ?? '(none)'}</td>
                  </tr>
                </tbody>
              </table>
            </div>`
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

export function accountsPage(options: {
  accounts: ScimAccount[];
  groups: {
    id: string;
    displayName: string;
    externalId: string | null;
    members: { id: string; display: string | null }[];
  }[];
  employeeNames: Map<string, string>;
}): Html {
  return html`<h1>Accounts</h1>
    <p class="muted">The users and groups Microsoft Entra ID provisioned through SCIM, with their linked employee.</p>
    <h2>Users</h2>
    ${
      options.accounts.length === 0
        ? html`<p>No SCIM users yet.</p>`
        : html`<div class="table-wrap">
            <table id="accounts-table">
              <thead>
                <tr>
                  <th scope="col">User name</th>
                  <th scope="col">Display name</th>
                  <th scope="col">State</th>
                  <th scope="col">Linked employee</th>
                  <th scope="col">Phone numbers</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                ${options.accounts.map(
                  (a) =>
                    html`<tr>
                      <td>${a.userName}</td>
                      <td>${a.displayName ?? ''}</td>
                      <td>${a.active ? 'Active' : 'Deactivated'}</td>
                      <td>
                        ${
                          a.employeeId === null
                            ? html`<span class="muted">not linked</span>`
                            : html`<a href="/employees/${encodeURIComponent(a.employeeId)}"
                                >${options.employeeNames.get(a.employeeId) ?? a.employeeId}</a
                              >`
                        }
                      </td>
                      <td>
                        ${
                          a.phoneNumbers.map((p) => `${p.type ?? ''} ${p.e164 ?? '(not E.164)'}`.trim()).join(', ') ||
                          '—'
                        }${a.phoneNumbersUnparsable ? html` <span class="error-text">(flagged)</span>` : ''}
                      </td>
                      <td>${time(a.updatedAt)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
    <h2>Groups</h2>
    ${
      options.groups.length === 0
        ? html`<p>No SCIM groups yet.</p>`
        : html`<div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">Members</th>
                </tr>
              </thead>
              <tbody>
                ${options.groups.map(
                  (g) =>
                    html`<tr>
                      <td>${g.displayName}</td>
                      <td>${g.members.map((m) => m.display ?? m.id).join(', ') || '—'}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }`;
}
