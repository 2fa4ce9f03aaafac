import { mapHrToGraph } from '../../domain/graph-mapping';
import type { PushedEntraState } from '../../domain/graph-user';
import { previewReconciliation } from '../../domain/reconciliation-preview';
import { hrEmployee } from './hr-fixtures';

const policies = { timeZone: 'Europe/Stockholm' };

function pushedFor(changes: Record<string, unknown>, manager: string | null = null): PushedEntraState {
  return {
    userPrincipalName: 'ada@contoso.com',
    fields: mapHrToGraph(hrEmployee(changes), policies).properties,
    managerEmployeeId: manager,
    managerEntraObjectId: manager === null ? null : 'oid-manager',
    accountDisabledByPolicy: false,
    sessionsRevokedForLeave: null,
  };
}

describe('previewReconciliation', () => {
  it('lists the properties a create would send, without the cleared ones', () => {
    const preview = previewReconciliation({
      snapshot: hrEmployee({ office: null }),
      policies,
      entraObjectId: null,
      lastPushed: null,
      verifiedDomains: ['contoso.com'],
    });
    expect(preview.kind).toBe('create');
    if (preview.kind !== 'create') return;
    expect(preview.userPrincipalName).toBe('ada@contoso.com');
    expect(preview.managerEmployeeId).toBe('emp_001');
    const props = Object.fromEntries(preview.changes.map((c) => [c.property, c.to]));
    expect(props).toMatchObject({ displayName: 'Ada Lovelace', mailNickname: 'ada.lovelace', jobTitle: 'Engineer' });
    expect(props).not.toHaveProperty('officeLocation');
  });

  it('says why nothing can be created: missing fields, or a domain the tenant has not verified', () => {
    expect(
      previewReconciliation({
        snapshot: hrEmployee({ lastName: null }),
        policies,
        entraObjectId: null,
        lastPushed: null,
      }),
    ).toEqual({ kind: 'cannot-create', reason: expect.stringContaining('no last name') });
    expect(
      previewReconciliation({
        snapshot: hrEmployee(),
        policies,
        entraObjectId: null,
        lastPushed: null,
        verifiedDomains: ['fabrikam.com'],
      }),
    ).toEqual({ kind: 'cannot-create', reason: expect.stringContaining('not a verified domain') });
  });

  it('shows only what differs from what was last written, with the old and the new value', () => {
    const preview = previewReconciliation({
      snapshot: hrEmployee({ title: 'CTO', reportsTo: 'emp_001' }),
      policies,
      entraObjectId: 'oid-ada',
      lastPushed: pushedFor({}, 'emp_001'),
    });
    expect(preview).toEqual({
      kind: 'update',
      changes: [{ property: 'jobTitle', from: 'Engineer', to: 'CTO' }],
      manager: null,
    });
  });

  it('reports nothing to change when Entra is in line with HR, and a manager change when HR moved the employee', () => {
    expect(
      previewReconciliation({
        snapshot: hrEmployee({ reportsTo: null }),
        policies,
        entraObjectId: 'oid-ada',
        lastPushed: pushedFor({ reportsTo: null }),
      }),
    ).toEqual({ kind: 'update', changes: [], manager: null });
    expect(
      previewReconciliation({
        snapshot: hrEmployee({ reportsTo: 'emp_002' }),
        policies,
        entraObjectId: 'oid-ada',
        lastPushed: pushedFor({}, 'emp_001'),
      }),
    ).toEqual({ kind: 'update', changes: [], manager: { from: 'emp_001', to: 'emp_002' } });
  });
});
