/**
 * What an onboarding and an HR change cost in Temporal, where every activity is a round trip through the server and a
 * workflow task after it. An onboarding reads the verified domains while it loads the employee, links the employee in
 * the create's activity and tells reports only when there are some. An HR change of an existing employee whose only
 * write is the profile PATCH schedules that one activity, which also records the employee's state in the database;
 * a reconciliation whose PATCH is not its last write, or whose PATCH Graph refuses, still records the state it ends in.
 */
import { getEmployee } from '../../store/employees';
import { defaultCompanyId } from '../../store/companies';
import { LifecycleHarness } from './harness';

// End-to-end steps share two CPU cores with the rest of the suite: allow them time.
jest.setTimeout(120_000);

const h = new LifecycleHarness();
beforeAll(() => h.setup(), 120_000);
afterAll(() => h.teardown(), 120_000);

/** The activities the employee's workflow has scheduled so far, by type. */
async function scheduledActivities(employeeId: string): Promise<string[]> {
  const history = await h.handle(employeeId).fetchHistory();
  return (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

/** The employee's row as the console and anti-entropy read it. */
async function stored(employeeId: string) {
  return (await getEmployee(h.db, defaultCompanyId, employeeId))!;
}

describe('an onboarding', () => {
  it('is four activities: the verified domains while the employee loads, the create that links, the record', async () => {
    const emp = { id: 'emp_cost_new', firstName: 'Ne', lastName: 'W', workEmail: 'ne.w@contoso.com', title: 'One' };
    await h.hr('employee.onboarded', emp);
    expect((await h.settled(emp.id)).phase).toBe('active');
    expect(await scheduledActivities(emp.id)).toEqual([
      'listVerifiedDomains',
      'loadEmployee',
      'createEntraUser',
      'recordEmployeeState',
    ]);
    expect(await stored(emp.id)).toMatchObject({
      entraObjectId: h.entraUser(emp.workEmail)!.id,
      phase: 'active',
      pushedEntraState: { fields: { jobTitle: 'One' } },
    });
  });

  it("of a manager whose report waits for the manager's user also tells the report", async () => {
    const boss = { id: 'emp_cost_late_boss', firstName: 'La', lastName: 'Te', workEmail: 'la.te@contoso.com' };
    const report = { id: 'emp_cost_waits', firstName: 'Wa', lastName: 'Its', workEmail: 'wa.its@contoso.com' };
    await h.hr('employee.onboarded', { ...report, reportsTo: boss.id });
    await h.until(report.id, (s) => s.manager?.status === 'waiting');
    await h.hr('employee.onboarded', boss);
    await h.settled(boss.id);
    expect(await scheduledActivities(boss.id)).toContain('notifyReportsOfManager');
    await h.until(report.id, (s) => s.manager?.status === 'set');
  });
});

describe('an HR change of an existing employee', () => {
  it('is one activity, the PATCH, which also records the reconciled state in the database', async () => {
    const emp = { id: 'emp_cost', firstName: 'Co', lastName: 'St', workEmail: 'co.st@contoso.com', title: 'One' };
    await h.hr('employee.onboarded', emp);
    await h.settled(emp.id);
    const onboarding = await scheduledActivities(emp.id);

    const change = await h.hr('employee.updated', { ...emp, title: 'Two' });
    expect((await h.settled(emp.id)).phase).toBe('active');
    expect(h.entraUser(emp.workEmail)?.props.jobTitle).toBe('Two');
    expect((await scheduledActivities(emp.id)).slice(onboarding.length)).toEqual(['updateEntraUser']);
    expect(await stored(emp.id)).toMatchObject({
      phase: 'active',
      lastError: null,
      reconciledVersion: change.data.employee.version,
      pushedEntraState: { fields: { jobTitle: 'Two' } },
    });
  });

  it('records the state after its last write when the PATCH is not the last (a new manager)', async () => {
    const boss = { id: 'emp_cost_boss', firstName: 'Bo', lastName: 'Ss', workEmail: 'bo.ss@contoso.com' };
    const emp = { id: 'emp_cost_report', firstName: 'Re', lastName: 'Port', workEmail: 're.port@contoso.com' };
    await h.hr('employee.onboarded', boss);
    await h.hr('employee.onboarded', { ...emp, title: 'One' });
    await h.settled(boss.id);
    await h.settled(emp.id);
    const before = await scheduledActivities(emp.id);

    const change = await h.hr('employee.updated', { ...emp, title: 'Two', reportsTo: boss.id });
    expect((await h.settled(emp.id)).manager).toMatchObject({ status: 'set' });
    expect((await scheduledActivities(emp.id)).slice(before.length)).toEqual([
      'updateEntraUser',
      'resolveManagerEntraId',
      'setEntraManager',
      'recordEmployeeState',
    ]);
    const bossUser = h.entraUser(boss.workEmail)!;
    expect(await stored(emp.id)).toMatchObject({
      phase: 'active',
      reconciledVersion: change.data.employee.version,
      pushedEntraState: { fields: { jobTitle: 'Two' }, managerEntraObjectId: bossUser.id },
    });
  });

  it('records the refusal when Graph refuses the PATCH, and the state once a later change is written', async () => {
    const emp = { id: 'emp_cost_refused', firstName: 'Re', lastName: 'Fused', workEmail: 're.fused@contoso.com' };
    await h.hr('employee.onboarded', { ...emp, title: 'One' });
    await h.settled(emp.id);
    const permissions = h.entra.control.state().tenants.find((t) => t.id === h.entra.tenantId)!.grants[
      h.entra.clientId
    ]!;
    h.entra.control.setPermissions(
      h.entra.tenantId,
      permissions.filter((p) => p !== 'User.ReadWrite.All'),
    );
    // Roles are fixed in a token when it is issued: drop the cached one, as an hour's expiry would.
    h.graph.forgetTenant({ tenantId: h.entra.tenantId });
    try {
      const refused = await h.hr('employee.updated', { ...emp, title: 'Two' });
      expect((await h.settled(emp.id)).phase).toBe('blocked');
      expect(await stored(emp.id)).toMatchObject({
        phase: 'blocked',
        lastError: expect.stringContaining('updating the user profile'),
        reconciledVersion: refused.data.employee.version,
        pushedEntraState: { fields: { jobTitle: 'One' } },
      });
    } finally {
      h.entra.control.setPermissions(h.entra.tenantId, permissions);
      h.graph.forgetTenant({ tenantId: h.entra.tenantId });
    }

    const written = await h.hr('employee.updated', { ...emp, title: 'Three' });
    expect((await h.settled(emp.id)).phase).toBe('active');
    expect(await stored(emp.id)).toMatchObject({
      phase: 'active',
      lastError: null,
      reconciledVersion: written.data.employee.version,
      pushedEntraState: { fields: { jobTitle: 'Three' } },
    });
  });
});
