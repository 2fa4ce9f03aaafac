/** Future dates as durable timers, crossed with time skipping: provision lead time, leave policies, delete. */
import { startCompanyResync } from '../../orchestration/company-resync';
import { connectEntra, disconnectEntra } from '../../store/companies';
import type { ResyncProgress } from '../../workflows/definitions';
import { LifecycleHarness } from './harness';

// End-to-end steps share two CPU cores with the rest of the suite: allow them time.
jest.setTimeout(120_000);

const h = new LifecycleHarness();
beforeAll(() => h.setup(), 120_000);
afterAll(() => h.teardown(), 120_000);

const dayMs = 24 * 60 * 60_000;
/** The calendar day (UTC) `days` after the test server's clock, as HR writes dates. */
async function serverDay(days: number): Promise<string> {
  const now = await h.kit.env.currentTimeMs();
  return new Date(now + days * dayMs).toISOString().slice(0, 10);
}

describe('durable timers of the lifecycle', () => {
  it('creates the Entra user provisionLeadDays before the hire date, after 30 days of waiting', async () => {
    await h.setPolicies({ provisionLeadDays: 7 });
    const hireDate = await serverDay(38);
    await h.hr('employee.created', {
      id: 'emp_future',
      firstName: 'Future',
      lastName: 'Hire',
      workEmail: 'future.hire@contoso.com',
      hireDate,
    });
    const scheduled = await h.settled('emp_future');
    expect(scheduled.phase).toBe('scheduled');
    const provision = scheduled.pendingTimers.find((t) => t.kind === 'provision');
    expect(provision?.dueAt).toBe(`${await serverDay(31)}T00:00:00.000Z`);
    expect(h.entraUser('future.hire@contoso.com')).toBeUndefined();

    await h.kit.env.sleep('30 days');
    expect(h.entraUser('future.hire@contoso.com')).toBeUndefined();
    await h.kit.env.sleep('1 day');
    const active = await h.until('emp_future', (s) => s.phase === 'active');
    expect(h.entraUser('future.hire@contoso.com')?.props).toMatchObject({
      accountEnabled: true,
      employeeHireDate: `${hireDate}T00:00:00Z`,
    });
    expect(active.pendingTimers).toEqual([]);
    await h.setPolicies({});
  });

  it('disables the account and revokes sessions at the leave moment when the policies say so', async () => {
    await h.setPolicies({ disableAccountAtLeave: true, revokeSessionsAtLeave: true });
    const leaver = { id: 'emp_leaver', firstName: 'Lee', lastName: 'Ver', workEmail: 'lee.ver@contoso.com' };
    await h.hr('employee.onboarded', leaver);
    await h.until(leaver.id, (s) => s.phase === 'active');

    const leaveDay = await serverDay(2);
    await h.hr('employee.offboarded', { ...leaver, offboardedDate: leaveDay });
    const offboarding = await h.settled(leaver.id);
    expect(offboarding.phase).toBe('offboarding');
    expect(offboarding.pendingTimers).toEqual([
      expect.objectContaining({ kind: 'leave', dueAt: `${leaveDay}T23:59:59.000Z` }),
    ]);
    expect(h.entraUser('lee.ver@contoso.com')?.props).toMatchObject({
      accountEnabled: true,
      employeeLeaveDateTime: `${leaveDay}T23:59:59Z`,
    });

    h.entra.control.clearRequests();
    await h.kit.env.sleep('3 days');
    const left = await h.until(leaver.id, (s) => s.phase === 'left');
    expect(left.lastPushed?.accountDisabledByPolicy).toBe(true);
    expect(h.entraUser('lee.ver@contoso.com')?.props.accountEnabled).toBe(false);
    expect(h.graphWrites().some((w) => w.path.endsWith('/revokeSignInSessions'))).toBe(true);
  });

  it('enables the account again when an offboarding that disabled it is cancelled', async () => {
    const leaver = { id: 'emp_leaver', firstName: 'Lee', lastName: 'Ver', workEmail: 'lee.ver@contoso.com' };
    await h.hr('employee.offboarding_cancelled', leaver);
    const state = await h.settled(leaver.id);
    expect(state.phase).toBe('active');
    expect(h.entraUser('lee.ver@contoso.com')?.props.accountEnabled).toBe(true);
    await h.setPolicies({});
  });

  it('reschedules the leave timer when the offboarding date changes, and cancels it when cancelled', async () => {
    const mover = { id: 'emp_mover', firstName: 'Mo', lastName: 'Ver', workEmail: 'mo.ver@contoso.com' };
    await h.hr('employee.onboarded', mover);
    await h.hr('employee.offboarded', { ...mover, offboardedDate: await serverDay(5) });
    await h.settled(mover.id);
    const later = await serverDay(20);
    await h.hr('employee.offboarded', { ...mover, offboardedDate: later });
    const moved = await h.settled(mover.id);
    expect(moved.pendingTimers).toEqual([expect.objectContaining({ kind: 'leave', dueAt: `${later}T23:59:59.000Z` })]);
    await h.hr('employee.offboarding_cancelled', mover);
    const cancelled = await h.settled(mover.id);
    expect(cancelled.pendingTimers).toEqual([]);
    expect(h.entraUser('mo.ver@contoso.com')?.props.employeeLeaveDateTime ?? null).toBeNull();
  });

  it('deletes the Entra user deleteAfterLeaveDays after the leave moment, and the workflow ends', async () => {
    await h.setPolicies({ deleteAfterLeaveDays: 30 });
    const gone = { id: 'emp_gone', firstName: 'Gone', lastName: 'Soon', workEmail: 'gone.soon@contoso.com' };
    await h.hr('employee.onboarded', gone);
    await h.until(gone.id, (s) => s.phase === 'active');
    const leaveDay = await serverDay(1);
    await h.hr('employee.offboarded', { ...gone, offboardedDate: leaveDay });
    const waiting = await h.settled(gone.id);
    expect(waiting.pendingTimers.map((t) => t.kind)).toEqual(['leave', 'delete']);

    await h.kit.env.sleep('32 days');
    const final = await h.handle(gone.id).result();
    expect(final).toMatchObject({ phase: 'deleted', entraObjectId: null });
    expect(h.entraUser('gone.soon@contoso.com')).toBeUndefined();
    await h.setPolicies({});
  });

  it('ends the workflow on employee.deleted and leaves the Entra user alone without a delete policy', async () => {
    const kept = { id: 'emp_kept', firstName: 'Kept', lastName: 'User', workEmail: 'kept.user@contoso.com' };
    await h.hr('employee.onboarded', kept);
    await h.until(kept.id, (s) => s.phase === 'active');
    await h.hr('employee.deleted', kept);
    const final = await h.handle(kept.id).result();
    expect(final).toMatchObject({ phase: 'deleted' });
    expect(h.entraUser('kept.user@contoso.com')?.props.accountEnabled).toBe(true);
  });

  it('pauses Graph work while the company is disconnected and resumes on reconnect', async () => {
    const paused = { id: 'emp_paused', firstName: 'Paula', lastName: 'Used', workEmail: 'paula.used@contoso.com' };
    await disconnectEntra(h.db, 'default');
    await h.hr('employee.onboarded', paused);
    const waiting = await h.settled(paused.id);
    expect(waiting.phase).toBe('waiting-for-connection');
    expect(h.entraUser('paula.used@contoso.com')).toBeUndefined();

    await connectEntra(h.db, 'default', h.entra.tenantId);
    const resync = await startCompanyResync(h.kit.client.workflow, {
      taskQueue: h.kit.taskQueue,
      companyId: 'default',
      reason: 'connected',
    });
    const handle = h.kit.track(h.kit.client.workflow.getHandle(resync.workflowId));
    const progress = (await handle.result()) as ResyncProgress;
    expect(progress).toMatchObject({ done: true, failed: 0 });
    expect(progress.redriven).toBe(progress.total);
    await h.until(paused.id, (s) => s.phase === 'active');
    expect(h.entraUser('paula.used@contoso.com')).toBeDefined();
  });
});
