/**
 * The outbox relay on a real database with a recording Temporal client: what the webhook stored is handed to
 * Temporal without waiting for a poll, once per event; what another process left behind is taken by the first poll;
 * a Temporal that refuses leaves the event in the outbox with its error until it answers again; each snapshot goes with
 * the company's settings as stored at most a second before it was delivered.
 */
import { and, eq } from 'drizzle-orm';
import type { WorkflowClient } from '@temporalio/client';
import type { CompanySettings } from '../../domain/activity-contracts';
import type { HrEmployee } from '../../domain/hr-employee';
import { defaultCompanyPolicies } from '../../domain/policies';
import type { CompanyChangeDeps } from '../../orchestration/company-changes';
import { changeCompanyPolicies, connectCompanyTenant } from '../../orchestration/company-changes';
import { CallsInFlight } from '../../orchestration/deadline';
import type { HrEventTemporal } from '../../orchestration/hr-event-delivery';
import { HrOutboxRelay, relayCompanySettingsTtlMs } from '../../orchestration/hr-outbox-relay';
import { connectEntra, setCompanyPolicies } from '../../store/companies';
import type { Db } from '../../store/db';
import { acceptHrEvent } from '../../store/hr-events';
import { webhookEvents } from '../../store/schema';
import { describeEachDatabase } from '../helpers/databases';
import { freshCompany, hrEmployee } from '../store/fixtures';

const occurredAt = new Date('2026-11-22T10:00:00Z');
const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };

interface SentSignal {
  workflowId: string;
  signalArgs: [{ eventId: string; employee: HrEmployee; company?: CompanySettings }];
}

/** A Temporal client that records each signal-with-start, and refuses them while `refusing` is set. */
function recordingTemporal() {
  const sent: SentSignal[] = [];
  const state = { refusing: false };
  const client = {
    signalWithStart: (_type: string, options: SentSignal) => {
      if (state.refusing) return Promise.reject(new Error('14 UNAVAILABLE: connect ECONNREFUSED'));
      sent.push(options);
      return Promise.resolve({});
    },
    withDeadline: <R>(_deadline: number | Date, fn: () => Promise<R>) => fn(),
  } as unknown as HrEventTemporal['client'] & Pick<WorkflowClient, 'signalWithStart'>;
  const temporal: HrEventTemporal = { client, taskQueue: 'relay-test', inFlight: new CallsInFlight() };
  return { temporal, sent, state };
}

async function until(predicate: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await predicate())) await new Promise((resolve) => setTimeout(resolve, 10));
}

describeEachDatabase('the HR outbox relay', (getDb) => {
  let relay: HrOutboxRelay | undefined;
  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
  });

  async function accept(db: Db, companyId: string, eventId: string, employee: HrEmployee) {
    const result = await acceptHrEvent(db, { companyId, eventId, type: 'employee.updated', occurredAt, employee });
    if (result.outcome !== 'accepted') throw new Error(`expected ${eventId} to be accepted, got ${result.outcome}`);
    return {
      id: result.eventRowId,
      event: { companyId, eventId, type: 'employee.updated' as const, occurredAt, snapshot: employee },
    };
  }
  const rowsOf = (db: Db, companyId: string) =>
    db
      .select({
        eventId: webhookEvents.eventId,
        deliveredAt: webhookEvents.deliveredAt,
        deliveryAttempts: webhookEvents.deliveryAttempts,
        lastDeliveryError: webhookEvents.lastDeliveryError,
      })
      .from(webhookEvents)
      .where(and(eq(webhookEvents.companyId, companyId)));

  it('delivers what another process left behind at start, then each accepted event once, without a poll', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    const { temporal, sent } = recordingTemporal();
    const mine = (eventId: string) => sent.filter((s) => s.signalArgs[0].eventId === eventId);
    // Stored while no relay ran (a process that stopped before delivering it).
    await accept(db, companyId, 'evt_left', hrEmployee({ id: 'emp_left', version: 1 }));

    // An hour between polls: only the first one, at start, runs during this test.
    relay = new HrOutboxRelay({ db, temporal, logger: quiet, intervalMs: 3_600_000, concurrency: 4 });
    relay.start();
    await until(() => mine('evt_left').length === 1);

    const accepted = [];
    for (let i = 0; i < 20; i++) {
      const row = await accept(db, companyId, `evt_${i}`, hrEmployee({ id: `emp_${i}`, version: 1 }));
      relay.accepted(row.id, row.event);
      accepted.push(row);
    }
    await until(async () => (await rowsOf(db, companyId)).every((row) => row.deliveredAt !== null));
    for (const { event } of accepted) {
      expect(mine(event.eventId)).toEqual([
        expect.objectContaining({
          workflowId: `employee/${companyId}/${event.snapshot.id}`,
          signalArgs: [expect.objectContaining({ eventId: event.eventId, employee: event.snapshot })],
        }),
      ]);
    }
    expect(mine('evt_left')).toHaveLength(1);
  });

  it("sends the company's settings as stored at most a second before delivery with each snapshot, so its workflow need not read them", async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    const { temporal, sent } = recordingTemporal();
    let clock = 1_000_000;
    relay = new HrOutboxRelay({ db, temporal, logger: quiet, intervalMs: 3_600_000, now: () => clock });
    relay.start();
    const deliver = async (eventId: string) => {
      const row = await accept(db, companyId, eventId, hrEmployee({ id: `emp_${eventId}`, version: 1 }));
      relay!.accepted(row.id, row.event);
      await until(() => sent.some((s) => s.signalArgs[0].eventId === eventId));
      return sent.find((s) => s.signalArgs[0].eventId === eventId)!.signalArgs[0].company;
    };

    const before = await deliver('evt_before');
    expect(before).toMatchObject({ exists: true, connected: false, policies: defaultCompanyPolicies });
    const changed = await setCompanyPolicies(db, companyId, {
      ...defaultCompanyPolicies,
      timeZone: 'Europe/Stockholm',
    });
    await connectEntra(db, companyId, 'tenant-relay');

    // Within the second the reading is reused (the workflow's revision check and the change's resync make that safe).
    clock += relayCompanySettingsTtlMs - 1;
    expect(await deliver('evt_within')).toEqual(before);
    clock += 1;
    const after = await deliver('evt_after');
    expect(after).toMatchObject({ exists: true, connected: true, policies: { timeZone: 'Europe/Stockholm' } });
    // The revision orders readings: the workflow keeps the newer of what it was sent and what it read.
    expect(after!.revision).toBeGreaterThanOrEqual(changed!.updatedAt.getTime());
    expect(after!.revision).toBeGreaterThan(before!.revision!);
  });

  it("sends a company's settings changed through this process (policies, connection) with the next snapshot, not a second later", async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    const { temporal, sent } = recordingTemporal();
    // The clock stands still: only the change itself can make the relay read the settings again.
    relay = new HrOutboxRelay({ db, temporal, logger: quiet, intervalMs: 3_600_000, now: () => 1_000_000 });
    relay.start();
    const deliver = async (eventId: string) => {
      const row = await accept(db, companyId, eventId, hrEmployee({ id: `emp_${eventId}`, version: 1 }));
      relay!.accepted(row.id, row.event);
      await until(() => sent.some((s) => s.signalArgs[0].eventId === eventId));
      return sent.find((s) => s.signalArgs[0].eventId === eventId)!.signalArgs[0].company;
    };
    // What the admin API and the console pass: this process's relay (the resync fails here: no Temporal to start it).
    const changes = { db, temporal, logger: quiet, outbox: relay } as unknown as CompanyChangeDeps;

    expect(await deliver('evt_before')).toMatchObject({ connected: false, policies: defaultCompanyPolicies });
    const policies = { ...defaultCompanyPolicies, timeZone: 'Europe/Stockholm' };
    expect((await changeCompanyPolicies(changes, companyId, policies)).changed).toBe(true);
    expect(await deliver('evt_after_policies')).toMatchObject({ connected: false, policies });
    await connectCompanyTenant(changes, companyId, 'tenant-changed-here');
    expect(await deliver('evt_after_connect')).toMatchObject({ connected: true, policies });
  });

  it('keeps an event Temporal refused in the outbox with its error, and delivers it once Temporal answers', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    const { temporal, sent, state } = recordingTemporal();
    relay = new HrOutboxRelay({ db, temporal, logger: quiet, intervalMs: 50, maxBackoffMs: 100 });
    relay.start();

    state.refusing = true;
    const row = await accept(db, companyId, 'evt_refused', hrEmployee({ id: 'emp_refused', version: 1 }));
    relay.accepted(row.id, row.event);
    await until(async () => ((await rowsOf(db, companyId))[0]?.deliveryAttempts ?? 0) >= 2);
    const [refused] = await rowsOf(db, companyId);
    expect(refused).toMatchObject({ deliveredAt: null, lastDeliveryError: expect.stringContaining('UNAVAILABLE') });
    expect(sent.filter((s) => s.signalArgs[0].eventId === 'evt_refused')).toEqual([]);

    state.refusing = false;
    await until(async () => (await rowsOf(db, companyId))[0]?.deliveredAt !== null);
    expect(sent.filter((s) => s.signalArgs[0].eventId === 'evt_refused')).toHaveLength(1);
  });

  it('marks on stop exactly what it delivered, and leaves the rest in the outbox for the next relay', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    const { temporal, sent } = recordingTemporal();
    relay = new HrOutboxRelay({ db, temporal, logger: quiet, intervalMs: 3_600_000, concurrency: 2 });
    relay.start();
    const rows = [];
    for (let i = 0; i < 10; i++)
      rows.push(await accept(db, companyId, `evt_s${i}`, hrEmployee({ id: `emp_s${i}`, version: 1 })));
    for (const row of rows) relay.accepted(row.id, row.event);
    await relay.stop();

    // A row marked delivered was signalled (nothing lost); one signalled was marked (not sent twice by the next relay).
    const signalled = new Set(sent.map((s) => s.signalArgs[0].eventId));
    for (const row of await rowsOf(db, companyId)) {
      expect({ eventId: row.eventId, delivered: row.deliveredAt !== null }).toEqual({
        eventId: row.eventId,
        delivered: signalled.has(row.eventId),
      });
    }
    const next = new HrOutboxRelay({ db, temporal, logger: quiet });
    await next.drain();
    expect((await rowsOf(db, companyId)).filter((row) => row.deliveredAt === null)).toEqual([]);
    for (const row of rows) expect(sent.filter((s) => s.signalArgs[0].eventId === row.event.eventId)).toHaveLength(1);
  });
});
