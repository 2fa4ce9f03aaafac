/**
 * What a new employee costs in Graph writes: one create that carries the lifecycle dates, so a bulk onboarding is
 * bound by the tenant's write budget at one write per employee. Without the User-LifeCycleInfo permission the user is
 * still created, and only the dates are refused.
 */
import { LifecycleHarness } from './harness';

// End-to-end steps share two CPU cores with the rest of the suite: allow them time.
jest.setTimeout(120_000);

const h = new LifecycleHarness();
beforeAll(() => h.setup(), 120_000);
afterAll(() => h.teardown(), 120_000);

function grantedPermissions(): string[] {
  return h.entra.control.state().tenants.find((t) => t.id === h.entra.tenantId)!.grants[h.entra.clientId]!;
}

describe('onboarding a new employee', () => {
  it('creates the Entra user with its hire date and leave date in one Graph write', async () => {
    h.entra.control.clearRequests();
    await h.hr('employee.onboarded', {
      id: 'emp_one_write',
      firstName: 'Una',
      lastName: 'Write',
      workEmail: 'una.write@contoso.com',
      title: 'Engineer',
      hireDate: '2027-01-04',
      offboardedDate: '2099-06-30',
    });
    const state = await h.until('emp_one_write', (s) => s.phase === 'offboarding');
    expect(state.lastError).toBeNull();
    expect(h.graphWrites()).toEqual([{ method: 'POST', path: '/v1.0/users', status: 201 }]);
    expect(h.entraUser('una.write@contoso.com')?.props).toMatchObject({
      jobTitle: 'Engineer',
      employeeHireDate: '2027-01-04T00:00:00Z',
      employeeLeaveDateTime: '2099-06-30T23:59:59Z',
    });

    // Nothing is left to write: the next reconciliation (a company change) finds the user as it should be.
    h.entra.control.clearRequests();
    await h.hr('employee.updated', {
      id: 'emp_one_write',
      firstName: 'Una',
      lastName: 'Write',
      workEmail: 'una.write@contoso.com',
      title: 'Engineer',
      hireDate: '2027-01-04',
      offboardedDate: '2099-06-30',
    });
    await h.settled('emp_one_write');
    expect(h.graphWrites()).toEqual([]);
  });

  it('writes to Graph only through the Graph-write task queue, whose worker the server paces', async () => {
    await h.stopGraphWriter();
    try {
      h.entra.control.clearRequests();
      await h.hr('employee.onboarded', {
        id: 'emp_queued',
        firstName: 'Quinn',
        lastName: 'Queued',
        workEmail: 'quinn.queued@contoso.com',
      });
      await h.until('emp_queued', (s) => s.phase === 'provisioning');
      // The workflow has asked for the create; it waits in the Graph-write queue while no worker polls it.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(h.graphWrites()).toEqual([]);
      expect(h.entraUser('quinn.queued@contoso.com')).toBeUndefined();
    } finally {
      await h.startGraphWriter();
    }
    const state = await h.until('emp_queued', (s) => s.phase === 'active');
    expect(state.entraObjectId).toBe(h.entraUser('quinn.queued@contoso.com')?.id);
    expect(h.graphWrites()).toEqual([{ method: 'POST', path: '/v1.0/users', status: 201 }]);
  });

  it('without User-LifeCycleInfo.ReadWrite.All creates the user anyway and blocks only the leave date', async () => {
    const permissions = grantedPermissions();
    h.entra.control.setPermissions(
      h.entra.tenantId,
      permissions.filter((p) => p !== 'User-LifeCycleInfo.ReadWrite.All'),
    );
    // Roles are fixed in a token when it is issued: drop the cached one, as an hour's expiry would.
    h.graph.forgetTenant({ tenantId: h.entra.tenantId });
    try {
      h.entra.control.clearRequests();
      await h.hr('employee.onboarded', {
        id: 'emp_no_lifecycle',
        firstName: 'Nola',
        lastName: 'Cycle',
        workEmail: 'nola.cycle@contoso.com',
        title: 'Analyst',
        hireDate: '2027-02-01',
        offboardedDate: '2099-06-30',
      });
      const state = await h.until('emp_no_lifecycle', (s) => s.phase === 'blocked');
      expect(state.entraObjectId).not.toBeNull();
      expect(state.lastError).toMatchObject({
        type: 'EntraPermissionDenied',
        target: 'User-LifeCycleInfo.ReadWrite.All',
      });
      const user = h.entraUser('nola.cycle@contoso.com');
      // User.ReadWrite.All covers the hire date on its own; the leave date needs the lifecycle permission.
      expect(user?.props).toMatchObject({ jobTitle: 'Analyst', employeeHireDate: '2027-02-01T00:00:00Z' });
      expect(user?.props.employeeLeaveDateTime ?? null).toBeNull();
      const writes = h.graphWrites();
      expect(writes.filter((w) => w.method === 'POST').map((w) => w.status)).toEqual([403, 201]);
      expect(writes.filter((w) => w.status === 403)).toHaveLength(2);
      expect(h.entraUsers().filter((u) => u.props.userPrincipalName === 'nola.cycle@contoso.com')).toHaveLength(1);
    } finally {
      h.entra.control.setPermissions(h.entra.tenantId, permissions);
      h.graph.forgetTenant({ tenantId: h.entra.tenantId });
    }
  });
});
