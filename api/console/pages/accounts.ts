/** Accounts: the SCIM users and groups Entra provisioned, each user with its linked employee. */
import type Router from '@koa/router';
import { employeeDisplayNames } from '../../../store/employee-read-model';
import { listScimGroups, scimGroupMembersOf } from '../../../store/scim-groups';
import type { ScimAccount } from '../../../store/scim-users';
import { listScimAccounts } from '../../../store/scim-users';
import type { AppDeps } from '../../deps';
import type { Html } from '../html';
import { dataTable, html, time } from '../html';
import { consoleCompanyId as companyId, renderPage } from '../respond';

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
  const accountRows = options.accounts.map(
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
          ${a.phoneNumbers.map((p) => `${p.type ?? ''} ${p.e164 ?? '(not E.164)'}`.trim()).join(', ') || '—'}${
            a.phoneNumbersUnparsable ? html` <span class="error-text">(flagged)</span>` : ''
          }
        </td>
        <td>${time(a.updatedAt)}</td>
      </tr>`,
  );
  const groupRows = options.groups.map(
    (g) =>
      html`<tr>
        <td>${g.displayName}</td>
        <td>${g.members.map((m) => m.display ?? m.id).join(', ') || '—'}</td>
      </tr>`,
  );
  return html`<h1>Accounts</h1>
    <p class="muted">The users and groups Microsoft Entra ID provisioned through SCIM, with their linked employee.</p>
    <h2>Users</h2>
    ${dataTable({
      id: 'accounts-table',
      columns: ['User name', 'Display name', 'State', 'Linked employee', 'Phone numbers', 'Updated'],
      rows: accountRows,
      empty: 'No SCIM users yet.',
    })}
    <h2>Groups</h2>
    ${dataTable({ columns: ['Group', 'Members'], rows: groupRows, empty: 'No SCIM groups yet.' })}`;
}

export function accountsRoutes(router: Router, deps: AppDeps): void {
  const { db } = deps;
  router.get('/accounts', async (ctx) => {
    const [accounts, groups] = await Promise.all([
      listScimAccounts(db, companyId, { limit: 500 }),
      listScimGroups(db, companyId, undefined, { startIndex: 1, count: 200 }),
    ]);
    const members = await scimGroupMembersOf(
      db,
      groups.rows.map((g) => g.id),
    );
    const employeeNames = await employeeDisplayNames(
      db,
      companyId,
      accounts.map((a) => a.employeeId).filter((id): id is string => id !== null),
    );
    renderPage(
      ctx,
      'Accounts',
      accountsPage({
        accounts,
        groups: groups.rows.map((g) => ({ ...g, members: members.get(g.id) ?? [] })),
        employeeNames,
      }),
      { section: 'accounts' },
    );
  });
}
