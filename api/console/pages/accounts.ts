/** Accounts: the SCIM users and groups Entra provisioned, each user with its linked employee. */
import type Router from '@koa/router';
import { employeeDisplayNames } from '../../../store/employee-read-model';
import { listScimGroups, scimGroupMembersOf } from '../../../store/scim-groups';
import type { ScimAccount } from '../../../store/scim-users';
import { listScimAccounts } from '../../../store/scim-users';
import type { AppDeps } from '../../deps';
import type { Html } from '../html';
import { html, time } from '../html';
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
