/**
 * A change every employee depends on starts the company's resync (orchestration/company-changes.ts), on the
 * time-skipping test server with a real worker and the Entra stand-in: connecting the tenant resumes the work that
 * waited for it, and a policy changed through the admin API reaches the employees HR did not change. An HR change
 * carries the company's settings from the outbox relay, and a reconciliation uses them unless it has seen newer ones.
 */
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { parseConfig } from '../../domain/config';
import { HrEmployee } from '../../domain/hr-employee';
import { defaultCompanyPolicies } from '../../domain/policies';
import { connectCompanyTenant } from '../../orchestration/company-changes';
import { CallsInFlight } from '../../orchestration/deadline';
import { defaultCompanyId, disconnectEntra } from '../../store/companies';
import { startCompanyResync } from '../../orchestration/company-resync';
import type { ResyncProgress } from '../../workflows/definitions';
import {
  hrSnapshotSignal,
  ResyncScope,
  resyncRequestedSignal,
  resyncWorkflowId,
  WorkflowType,
} from '../../workflows/definitions';
import { serve, type ServedApp } from '../api/serve';
import { LifecycleHarness } from './harness';

// End-to-end steps share two CPU cores with the rest of the suite: allow them time.
jest.setTimeout(120_000);

const adminPassword = 'policies-admin-password';
const h = new LifecycleHarness();
const inFlight = new CallsInFlight();
const logger = createLogger({ level: 'silent' });
let admin: ServedApp;

const deps = () => ({
  db: h.db,
  temporal: { client: h.kit.client.workflow, taskQueue: h.kit.taskQueue, inFlight },
  logger,
});

beforeAll(async () => {
  await h.setup();
  admin = await serve(createApp({ ...deps(), config: parseConfig({ ADMIN_PASSWORD: adminPassword }) }));
}, 120_000);
afterAll(async () => {
  await admin?.close();
  await inFlight.settled();
  await h.teardown();
}, 120_000);

/** Waits for the resync a change started and returns its final progress. */
async function resyncResult(resync: { workflowId: string; started: boolean } | null): Promise<ResyncProgress> {
  expect(resync).toMatchObject({ started: true });
  const handle = h.kit.track(h.kit.client.workflow.getHandle(resync!.workflowId));
  return (await handle.result()) as ResyncProgress;
}

describe('company changes start the company resync', () => {
  it('connecting the tenant brings the employee who waited for the connection into Entra', async () => {
    const waiting = { id: 'emp_waiting', firstName: 'Wai', lastName: 'Ting', workEmail: 'wai.ting@contoso.com' };
    await disconnectEntra(h.db, defaultCompanyId);
    await h.hr('employee.onboarded', waiting);
    expect((await h.settled(waiting.id)).phase).toBe('waiting-for-connection');
    expect(h.entraUser(waiting.workEmail)).toBeUndefined();

    const { company, changed, resync } = await connectCompanyTenant(deps(), defaultCompanyId, h.entra.tenantId);
    expect(company).toMatchObject({ entraStatus: 'connected', entraTenantId: h.entra.tenantId });
    expect(changed).toBe(true);
    expect(await resyncResult(resync)).toMatchObject({ done: true, failed: 0 });
    await h.until(waiting.id, (s) => s.phase === 'active');
    expect(h.entraUser(waiting.workEmail)?.props.accountEnabled).toBe(true);
  });

  it("a time zone changed through the admin API moves an existing employee's hire date in Entra", async () => {
    const hired = {
      id: 'emp_hired',
      firstName: 'Hal',
      lastName: 'Ired',
      workEmail: 'hal.ired@contoso.com',
      hireDate: '2027-01-15',
    };
    await h.hr('employee.onboarded', hired);
    await h.until(hired.id, (s) => s.phase === 'active');
    expect(h.entraUser(hired.workEmail)?.props.employeeHireDate).toBe('2027-01-15T00:00:00Z');

    const res = await fetch(`${admin.url}/admin/api/companies/${defaultCompanyId}/policies`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${adminPassword}`, 'content-type': 'application/json' },
      body: JSON.stringify({ timeZone: 'Europe/Stockholm' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { changed: boolean; resync: { workflowId: string; started: boolean } | null };
    expect(body.changed).toBe(true);
    expect(await resyncResult(body.resync)).toMatchObject({ done: true, failed: 0 });
    // Midnight in Stockholm in January is 23:00 UTC the day before.
    await h.until(hired.id, () => h.entraUser(hired.workEmail)?.props.employeeHireDate === '2027-01-14T23:00:00Z');
  });
});

describe('a full resync asked for while a resync runs', () => {
  it('is signalled to the running resync instead of being dropped', async () => {
    // No worker polls this queue: the anti-entropy resync started on it stays running for as long as the test needs.
    const running = await startCompanyResync(h.kit.client.workflow, {
      taskQueue: `${h.kit.taskQueue}-not-polled`,
      companyId: defaultCompanyId,
      reason: 'anti-entropy',
      scope: ResyncScope.Missing,
    });
    expect(running.started).toBe(true);
    const handle = h.kit.client.workflow.getHandle(running.workflowId);
    try {
      const asked = await startCompanyResync(h.kit.client.workflow, {
        taskQueue: h.kit.taskQueue,
        companyId: defaultCompanyId,
        reason: 'policies changed',
      });
      expect(asked).toEqual({ workflowId: running.workflowId, started: false });
      const history = await handle.fetchHistory();
      const signals = (history.events ?? []).flatMap((e) =>
        e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName] : [],
      );
      expect(signals).toEqual([resyncRequestedSignal.name]);
    } finally {
      await handle.terminate('test over');
    }
  });

  it('makes the running resync continue as a new full run when it ends', async () => {
    // The request is in the history before the running resync's first step, as when it arrives mid-run. (That one
    // is a full run too: the anti-entropy scope counts workflows, which the time-skipping server does not implement.)
    const first = await h.kit.client.workflow.signalWithStart(WorkflowType.ResyncCompany, {
      workflowId: resyncWorkflowId(defaultCompanyId),
      taskQueue: h.kit.taskQueue,
      args: [{ companyId: defaultCompanyId, reason: 'connected', scope: ResyncScope.All }],
      signal: resyncRequestedSignal,
      signalArgs: [{ reason: 'policies changed' }],
    });
    const handle = h.kit.track(h.kit.client.workflow.getHandle(first.workflowId));
    const progress = (await handle.result()) as ResyncProgress;
    expect(progress).toMatchObject({ scope: ResyncScope.All, done: true, failed: 0 });
    expect(progress.total).toBeGreaterThanOrEqual(2);
    expect(progress.redriven).toBe(progress.total);
    // The result is the second run's: the first continued as new instead of completing.
    const firstRun = await h.kit.client.workflow.getHandle(first.workflowId, first.signaledRunId).describe();
    expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
    expect((await handle.describe()).runId).not.toBe(first.signaledRunId);
  });
});

describe('the company settings the outbox relay sends with an HR change', () => {
  /** The activities the employee's workflow has scheduled so far, by type. */
  async function scheduledActivities(employeeId: string): Promise<string[]> {
    const history = await h.handle(employeeId).fetchHistory();
    return (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
  }

  it('are used by the reconciliation the change starts, unless it has used newer ones', async () => {
    const emp = { id: 'emp_sent', firstName: 'Sen', lastName: 'T', workEmail: 'sen.t@contoso.com', title: 'One' };
    await h.hr('employee.onboarded', emp);
    await h.settled(emp.id);
    const reads = (await scheduledActivities(emp.id)).filter((name) => name === 'loadCompanySettings').length;

    // An HR change: reconciled with the settings the relay sent, no read of them through Temporal first.
    await h.hr('employee.updated', { ...emp, title: 'Two' });
    expect((await h.settled(emp.id)).phase).toBe('active');
    expect(h.entraUser(emp.workEmail)?.props.jobTitle).toBe('Two');
    const afterChange = await scheduledActivities(emp.id);
    expect(afterChange.filter((name) => name === 'loadCompanySettings')).toHaveLength(reads);

    // Settings older than those already used (a resync after a policy change overtook this signal): read again,
    // so the company's real settings (connected) apply, not the sent ones (not connected).
    const state = await h.settled(emp.id);
    const body = h.event('employee.updated', { ...emp, title: 'Two' }, { version: state.hrVersion! });
    await h.handle(emp.id).signal(hrSnapshotSignal, {
      eventId: body.id,
      eventType: 'employee.updated',
      occurredAt: body.occurredAt,
      employee: HrEmployee.parse(body.data.employee),
      company: { exists: true, connected: false, policies: defaultCompanyPolicies, revision: 1 },
    });
    await h.until(emp.id, (s) => s.reconciliations > state.reconciliations);
    expect((await h.settled(emp.id)).phase).toBe('active');
    const afterStale = await scheduledActivities(emp.id);
    expect(afterStale.filter((name) => name === 'loadCompanySettings')).toHaveLength(reads + 1);
  });
});
