/**
 * What goes wrong in production: webhooks out of order and twice, 429 storms, replication lag, a worker restarted
 * mid-flow, refused values and missing permissions (blocked, not hot-looping).
 */
import { entraObjectLinkedSignal } from '../../workflows/account-definitions';
import { HrEmployee } from '../../domain/hr-employee';
import { acceptHrEvent } from '../../store/hr-events';
import { WorkflowType, employeeSignalWithStartOptions } from '../../workflows/definitions';
import { LifecycleHarness } from './harness';

// End-to-end steps share two CPU cores with the rest of the suite: allow them time.
jest.setTimeout(120_000);

// Real time on the dev server: these steps assert what happens within real seconds (a blocked phase does not retry),
// which the time-skipping test server would skip past while the suite waits.
const h = new LifecycleHarness({ temporal: 'dev' });
beforeAll(() => h.setup(), 120_000);
afterAll(() => h.teardown(), 120_000);

const ada = { id: 'emp_ada', firstName: 'Ada', lastName: 'Lovelace', workEmail: 'ada@contoso.com' };

describe('the lifecycle under adverse conditions', () => {
  it('applies the newest snapshot when HR events arrive out of order, and acknowledges the stale one', async () => {
    const v2 = h.event('employee.updated', { ...ada, title: 'Second' }, { version: 2 });
    const v3 = h.event('employee.updated', { ...ada, title: 'Third' }, { version: 3 });
    expect((await h.post(v3)).status).toBe(202);
    h.track(ada.id);
    const stale = await h.post(v2);
    expect(stale.status).toBe(200);
    expect(await stale.json()).toMatchObject({ status: 'stale', storedVersion: 3 });
    await h.until(ada.id, (s) => s.phase === 'active' && s.reconciledHrVersion === 3);
    expect(h.entraUser('ada@contoso.com')?.props.jobTitle).toBe('Third');
  });

  it('answers a resent event 200 and changes nothing', async () => {
    const v4 = h.event('employee.updated', { ...ada, title: 'Fourth' }, { version: 4 });
    expect((await h.post(v4)).status).toBe(202);
    await h.until(ada.id, (s) => s.reconciledHrVersion === 4 && s.phase === 'active');
    h.entra.control.clearRequests();
    const again = await h.post(v4);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: 'duplicate', eventId: v4.id });
    const state = await h.state(ada.id);
    expect(state?.lastEventId).toBe(v4.id);
    expect(h.graphWrites()).toEqual([]);
  });

  it('rides out a 429 storm by waiting for Retry-After, and the change arrives', async () => {
    h.entra.control.addFault({ kind: 'throttle', count: 8, retryAfterSeconds: 1, method: 'PATCH' });
    h.entra.control.clearRequests();
    await h.hr('employee.updated', { ...ada, title: 'Throttled' }, { version: 5 });
    const state = await h.until(
      ada.id,
      (s) => s.reconciledHrVersion === 5 && s.lastPushed?.fields.jobTitle === 'Throttled',
      40_000,
    );
    expect(state.lastError).toBeNull();
    expect(h.entraUser('ada@contoso.com')?.props.jobTitle).toBe('Throttled');
    const statuses = h.graphWrites().map((w) => w.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8);
    expect(statuses.at(-1)).toBe(204);
  }, 60_000);

  it('sets the manager of a user created a moment ago despite replication lag', async () => {
    h.entra.control.updateSettings({ replicationLagMs: 2_000 });
    try {
      await h.hr('employee.onboarded', {
        id: 'emp_lag_boss',
        firstName: 'Lag',
        lastName: 'Boss',
        workEmail: 'lag.boss@contoso.com',
      });
      await h.hr('employee.onboarded', {
        id: 'emp_lag_report',
        firstName: 'Lag',
        lastName: 'Report',
        workEmail: 'lag.report@contoso.com',
        reportsTo: 'emp_lag_boss',
      });
      const report = await h.until('emp_lag_report', (s) => s.manager?.status === 'set', 40_000);
      expect(report.lastError).toBeNull();
      expect(h.entraUser('lag.report@contoso.com')?.managerId).toBe(h.entraUser('lag.boss@contoso.com')?.id);
    } finally {
      h.entra.control.updateSettings({ replicationLagMs: 0 });
    }
  }, 60_000);

  it('applies a change sent while the worker was down, once a worker runs again', async () => {
    await h.stopWorker();
    await h.hr('employee.updated', { ...ada, title: 'While down' }, { version: 6 });
    expect(h.entraUser('ada@contoso.com')?.props.jobTitle).toBe('Throttled');
    await h.startWorker();
    await h.until(ada.id, (s) => s.reconciledHrVersion === 6 && s.lastPushed?.fields.jobTitle === 'While down');
    expect(h.entraUser('ada@contoso.com')?.props.jobTitle).toBe('While down');
  });

  it('records a missing permission as blocked, still writes the rest, and resumes on the next change', async () => {
    const permissions = h.entra.control.state().tenants.find((t) => t.id === h.entra.tenantId)!.grants[
      h.entra.clientId
    ]!;
    h.entra.control.setPermissions(
      h.entra.tenantId,
      permissions.filter((p) => p !== 'User-LifeCycleInfo.ReadWrite.All'),
    );
    // Roles are fixed in a token when it is issued: drop the cached one, as an hour's expiry would.
    h.graph.forgetTenant({ tenantId: h.entra.tenantId });
    h.entra.control.clearRequests();
    await h.hr('employee.offboarded', { ...ada, title: 'Leaving', offboardedDate: '2099-01-31' }, { version: 7 });
    const blocked = await h.until(ada.id, (s) => s.reconciledHrVersion === 7 && s.phase === 'blocked');
    expect(blocked.lastError).toMatchObject({ type: 'EntraPermissionDenied' });
    expect(blocked.pendingTimers).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'retry' }), expect.objectContaining({ kind: 'leave' })]),
    );
    expect(h.entraUser('ada@contoso.com')?.props.jobTitle).toBe('Leaving');
    // Not hot-looping: one refused attempt, then the workflow waits.
    await new Promise((r) => setTimeout(r, 1_000));
    const refused = h.graphWrites().filter((w) => w.status === 403);
    expect(refused).toHaveLength(1);

    h.entra.control.setPermissions(h.entra.tenantId, permissions);
    h.graph.forgetTenant({ tenantId: h.entra.tenantId });
    await h.hr('employee.offboarded', { ...ada, title: 'Leaving', offboardedDate: '2099-02-28' }, { version: 8 });
    const resumed = await h.until(ada.id, (s) => s.reconciledHrVersion === 8 && s.phase === 'offboarding');
    expect(resumed.lastError).toBeNull();
    expect(h.entraUser('ada@contoso.com')?.props.employeeLeaveDateTime).toBe('2099-02-28T23:59:59Z');
  });

  it('links an existing Entra user with the same userPrincipalName instead of creating a second one', async () => {
    const graceUpn = 'grace@contoso.com';
    await h.graph.createUser(
      { tenantId: h.entra.tenantId },
      {
        userPrincipalName: graceUpn,
        displayName: 'Grace (pre-existing)',
        mailNickname: 'grace',
        jobTitle: 'Admiral',
      },
    );
    await h.hr('employee.onboarded', {
      id: 'emp_grace',
      firstName: 'Grace',
      lastName: 'Hopper',
      workEmail: graceUpn,
      title: 'Admiral',
    });
    const state = await h.until('emp_grace', (s) => s.phase === 'active');
    expect(h.entraUsers().filter((u) => String(u.props.userPrincipalName) === graceUpn)).toHaveLength(1);
    expect(state.entraObjectId).toBe(h.entraUser(graceUpn)?.id);
    expect(h.entraUser(graceUpn)?.props.displayName).toBe('Grace Hopper');
  });

  it('uses the Entra user that SCIM linked by object id, even with another UPN, instead of creating a second one', async () => {
    const provisioned = await h.graph.createUser(
      { tenantId: h.entra.tenantId },
      { userPrincipalName: 'kj@contoso.com', displayName: 'K. Johnson', mailNickname: 'kj' },
    );
    await h.hr('employee.onboarded', { id: 'emp_kat', firstName: 'Katherine', workEmail: 'katherine@contoso.com' });
    await h.until('emp_kat', (s) => s.phase === 'waiting-for-data');

    await h.handle('emp_kat').signal(entraObjectLinkedSignal, {
      entraObjectId: provisioned.user.id,
      scimUserId: 'scim-kat',
      userName: 'kj@contoso.com',
    });
    await h.hr('employee.updated', {
      id: 'emp_kat',
      firstName: 'Katherine',
      lastName: 'Johnson',
      workEmail: 'katherine@contoso.com',
    });

    const state = await h.until('emp_kat', (s) => s.phase === 'active');
    expect(state.entraObjectId).toBe(provisioned.user.id);
    expect(h.entraUser('katherine@contoso.com')).toBeUndefined();
    expect(h.entraUser('kj@contoso.com')?.props.displayName).toBe('Katherine Johnson');
  });

  it('links, not duplicates, when the response to a create was lost and the create is retried', async () => {
    h.entra.control.addFault({ kind: 'drop', count: 1, method: 'POST', path: '/v1.0/users' });
    await h.hr('employee.onboarded', {
      id: 'emp_lost',
      firstName: 'Lost',
      lastName: 'Response',
      workEmail: 'lost@contoso.com',
    });
    const state = await h.until('emp_lost', (s) => s.phase === 'active', 60_000);
    expect(h.entraUsers().filter((u) => String(u.props.userPrincipalName) === 'lost@contoso.com')).toHaveLength(1);
    expect(state.entraObjectId).toBe(h.entraUser('lost@contoso.com')?.id);
  }, 90_000);
});

describe('a long-lived employee workflow', () => {
  it('continues as new before its history grows large, carrying its state', async () => {
    const emp = { id: 'emp_long', firstName: 'Long', lastName: 'Lived', workEmail: 'long.lived@contoso.com' };
    const body = h.event('employee.onboarded', emp);
    const employee = HrEmployee.parse(body.data.employee);
    const accepted = await acceptHrEvent(h.db, {
      companyId: 'default',
      eventId: body.id,
      type: body.type,
      occurredAt: new Date(body.occurredAt),
      employee,
    });
    expect(accepted.outcome).toBe('accepted');
    const options = employeeSignalWithStartOptions(h.kit.taskQueue, 'default', {
      eventId: body.id,
      eventType: 'employee.onboarded',
      occurredAt: body.occurredAt,
      employee,
    });
    const started = await h.kit.client.workflow.signalWithStart(WorkflowType.EmployeeLifecycle, {
      ...options,
      args: [{ ...options.args[0], historyLimit: 40 }],
    });
    // Tracked from its first run, so that the replay at teardown covers every run of the chain.
    h.kit.track(
      h.kit.client.workflow.getHandle(options.workflowId, undefined, { firstExecutionRunId: started.signaledRunId }),
    );
    const created = await h.until(emp.id, (s) => s.phase === 'active');
    for (let i = 1; i <= 5; i++) {
      await h.hr('employee.updated', { ...emp, title: `Title ${i}` });
      await h.settled(emp.id);
    }
    const description = await h.handle(emp.id).describe();
    expect(description.runId).not.toBe(started.signaledRunId);
    const state = await h.settled(emp.id);
    expect(state.entraObjectId).toBe(created.entraObjectId);
    expect(state.lastPushed?.fields.jobTitle).toBe('Title 5');
    expect(h.entraUsers().filter((u) => u.props.userPrincipalName === 'long.lived@contoso.com')).toHaveLength(1);
    expect(h.entraUser('long.lived@contoso.com')?.props.jobTitle).toBe('Title 5');
  });
});
