import { and, eq, sql } from 'drizzle-orm';
import { getEmployee } from '../../store/employees';
import {
  acceptHrEvent,
  countUndeliveredHrEvents,
  listUndeliveredHrEvents,
  markHrEventDelivered,
  recordHrEventDeliveryFailure,
  deleteSettledHrEventsBefore,
} from '../../store/hr-events';
import type { Db } from '../../store/db';
import { employees, webhookEvents } from '../../store/schema';
import { describeEachDatabase } from '../helpers/databases';
import { freshCompany, hrEmployee } from './fixtures';

const occurredAt = new Date('2026-11-22T10:00:00Z');

async function eventsOf(db: Db, companyId: string) {
  return db.select().from(webhookEvents).where(eq(webhookEvents.companyId, companyId)).orderBy(webhookEvents.id);
}

describeEachDatabase('accepting HR events', (getDb) => {
  it('stores the snapshot of a new employee and queues the event for delivery', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    const employee = hrEmployee({ id: 'emp_1', version: 3 });

    const result = await acceptHrEvent(db, {
      companyId,
      eventId: 'evt_1',
      type: 'employee.created',
      occurredAt,
      employee,
    });

    expect(result).toMatchObject({ outcome: 'accepted', previousVersion: null });
    expect(await getEmployee(db, companyId, 'emp_1')).toMatchObject({
      snapshot: employee,
      version: 3,
      workEmail: 'ada@contoso.com',
    });
    const outbox = await listUndeliveredHrEvents(db, { limit: 10, companyId });
    expect(outbox).toEqual([
      expect.objectContaining({
        eventId: 'evt_1',
        type: 'employee.created',
        occurredAt,
        employeeId: 'emp_1',
        employeeVersion: 3,
        snapshot: employee,
        deliveryAttempts: 0,
        lastDeliveryError: null,
      }),
    ]);
  });

  it('replaces the snapshot with a newer version and reports the version it replaced', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    await acceptHrEvent(db, {
      companyId,
      eventId: 'evt_1',
      type: 'employee.created',
      occurredAt,
      employee: hrEmployee({ id: 'emp_1', version: 1 }),
    });
    const newer = hrEmployee({ id: 'emp_1', version: 2, title: 'Principal Engineer', workEmail: 'ada.l@contoso.com' });

    const result = await acceptHrEvent(db, {
      companyId,
      eventId: 'evt_2',
      type: 'employee.updated',
      occurredAt,
      employee: newer,
    });

    expect(result).toMatchObject({ outcome: 'accepted', previousVersion: 1 });
    expect(await getEmployee(db, companyId, 'emp_1')).toMatchObject({
      snapshot: newer,
      version: 2,
      workEmail: 'ada.l@contoso.com',
    });
  });

  it('answers duplicate for an event id seen before and changes nothing, even with another snapshot', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    const original = hrEmployee({ id: 'emp_1', version: 1 });
    await acceptHrEvent(db, { companyId, eventId: 'evt_1', type: 'employee.created', occurredAt, employee: original });

    const result = await acceptHrEvent(db, {
      companyId,
      eventId: 'evt_1',
      type: 'employee.updated',
      occurredAt,
      employee: hrEmployee({ id: 'emp_1', version: 5, title: 'CEO' }),
    });

    expect(result).toEqual({ outcome: 'duplicate', firstOutcome: 'accepted' });
    expect(await getEmployee(db, companyId, 'emp_1')).toMatchObject({ snapshot: original, version: 1 });
    expect(await eventsOf(db, companyId)).toHaveLength(1);
  });

  it('treats the same event id of another company as a different event', async () => {
    const db = getDb();
    const first = await freshCompany(db);
    const second = await freshCompany(db);
    const employee = hrEmployee({ id: 'emp_1', version: 1 });

    await acceptHrEvent(db, { companyId: first.id, eventId: 'evt_1', type: 'employee.created', occurredAt, employee });
    const result = await acceptHrEvent(db, {
      companyId: second.id,
      eventId: 'evt_1',
      type: 'employee.created',
      occurredAt,
      employee,
    });

    expect(result.outcome).toBe('accepted');
  });

  it.each([
    ['an older', 4],
    ['an equal', 5],
  ])('records %s version as stale for dedupe, leaves the snapshot and queues nothing', async (_label, version) => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    const current = hrEmployee({ id: 'emp_1', version: 5, title: 'Current' });
    await acceptHrEvent(db, {
      companyId,
      eventId: 'evt_current',
      type: 'employee.updated',
      occurredAt,
      employee: current,
    });
    const [queued] = await listUndeliveredHrEvents(db, { limit: 10, companyId });
    await markHrEventDelivered(db, queued!.id);

    const result = await acceptHrEvent(db, {
      companyId,
      eventId: 'evt_late',
      type: 'employee.updated',
      occurredAt,
      employee: hrEmployee({ id: 'emp_1', version, title: 'Late' }),
    });

    expect(result).toMatchObject({ outcome: 'stale', storedVersion: 5 });
    expect(await getEmployee(db, companyId, 'emp_1')).toMatchObject({ snapshot: current, version: 5 });
    await expect(listUndeliveredHrEvents(db, { limit: 10, companyId })).resolves.toEqual([]);
    const repeated = await acceptHrEvent(db, {
      companyId,
      eventId: 'evt_late',
      type: 'employee.updated',
      occurredAt,
      employee: hrEmployee({ id: 'emp_1', version, title: 'Late' }),
    });
    expect(repeated).toEqual({ outcome: 'duplicate', firstOutcome: 'stale' });
  });

  it('answers unknownCompany and stores nothing for a company that does not exist', async () => {
    const db = getDb();
    const result = await acceptHrEvent(db, {
      companyId: 'no-such-company',
      eventId: 'evt_1',
      type: 'employee.created',
      occurredAt,
      employee: hrEmployee({ id: 'emp_1', version: 1 }),
    });
    expect(result).toEqual({ outcome: 'unknownCompany' });
    await expect(eventsOf(db, 'no-such-company')).resolves.toEqual([]);
  });

  it('leaves nothing written when the transaction fails after the event was recorded', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    // A trigger that fails the employee write only for this company: the event row is inserted before it.
    await db.execute(
      sql.raw(`
        create function fail_employee_write() returns trigger language plpgsql as $$
        begin
          if new.company_id = '${companyId}' then raise exception 'disk full (simulated)'; end if;
          return new;
        end $$`),
    );
    await db.execute(
      sql.raw(`create trigger fail_employee_write before insert or update on employees
        for each row execute function fail_employee_write()`),
    );
    try {
      await expect(
        acceptHrEvent(db, {
          companyId,
          eventId: 'evt_1',
          type: 'employee.created',
          occurredAt,
          employee: hrEmployee({ id: 'emp_1', version: 1 }),
        }),
      ).rejects.toThrow(
        expect.objectContaining({ cause: expect.objectContaining({ message: 'disk full (simulated)' }) }),
      );
    } finally {
      await db.execute(sql.raw('drop trigger fail_employee_write on employees'));
      await db.execute(sql.raw('drop function fail_employee_write()'));
    }

    await expect(eventsOf(db, companyId)).resolves.toEqual([]);
    await expect(getEmployee(db, companyId, 'emp_1')).resolves.toBeNull();
    const retried = await acceptHrEvent(db, {
      companyId,
      eventId: 'evt_1',
      type: 'employee.created',
      occurredAt,
      employee: hrEmployee({ id: 'emp_1', version: 1 }),
    });
    expect(retried.outcome).toBe('accepted');
  });

  it('keeps the highest version when several versions of one employee arrive at once', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    const versions = [3, 1, 5, 2, 4];

    const results = await Promise.all(
      versions.map((version) =>
        acceptHrEvent(db, {
          companyId,
          eventId: `evt_v${version}`,
          type: 'employee.updated',
          occurredAt,
          employee: hrEmployee({ id: 'emp_1', version, title: `v${version}` }),
        }),
      ),
    );

    expect(results.every((r) => r.outcome === 'accepted' || r.outcome === 'stale')).toBe(true);
    expect(await getEmployee(db, companyId, 'emp_1')).toMatchObject({ version: 5, snapshot: { title: 'v5' } });
    const rows = await db
      .select({ count: sql<number>`count(*)::int` })
      .from(employees)
      .where(and(eq(employees.companyId, companyId), eq(employees.id, 'emp_1')));
    expect(rows[0]?.count).toBe(1);
  });

  it('accepts the same new event racing with itself exactly once', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    const event = {
      companyId,
      eventId: 'evt_race',
      type: 'employee.created' as const,
      occurredAt,
      employee: hrEmployee({ id: 'emp_1', version: 1 }),
    };

    const results = await Promise.all([acceptHrEvent(db, event), acceptHrEvent(db, event), acceptHrEvent(db, event)]);

    expect(results.map((r) => r.outcome).sort()).toEqual(['accepted', 'duplicate', 'duplicate']);
    expect(await eventsOf(db, companyId)).toHaveLength(1);
  });
});

describeEachDatabase('the HR event outbox', (getDb) => {
  async function accept(db: Db, companyId: string, eventId: string, employeeId: string, version: number) {
    const result = await acceptHrEvent(db, {
      companyId,
      eventId,
      type: 'employee.updated',
      occurredAt,
      employee: hrEmployee({ id: employeeId, version }),
    });
    if (result.outcome !== 'accepted') throw new Error(`expected ${eventId} to be accepted, got ${result.outcome}`);
    return result.eventRowId;
  }

  it('lists undelivered events oldest first, limited, and drops them once delivered', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    await accept(db, companyId, 'evt_a', 'emp_b', 1);
    await accept(db, companyId, 'evt_b', 'emp_a', 1);
    await accept(db, companyId, 'evt_c', 'emp_b', 2);

    const firstTwo = await listUndeliveredHrEvents(db, { limit: 2, companyId });
    expect(firstTwo.map((e) => e.eventId)).toEqual(['evt_a', 'evt_b']);

    await expect(markHrEventDelivered(db, firstTwo[0]!.id)).resolves.toBe(true);
    await expect(markHrEventDelivered(db, firstTwo[0]!.id)).resolves.toBe(false);
    const rest = await listUndeliveredHrEvents(db, { limit: 10, companyId });
    expect(rest.map((e) => e.eventId)).toEqual(['evt_b', 'evt_c']);
  });

  it('keeps a failed delivery in the outbox with its attempt count and last error', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    const id = await accept(db, companyId, 'evt_a', 'emp_a', 1);

    await recordHrEventDeliveryFailure(db, id, 'Temporal unavailable: connect ECONNREFUSED');
    await recordHrEventDeliveryFailure(db, id, 'Temporal unavailable: deadline exceeded');

    const [event] = await listUndeliveredHrEvents(db, { limit: 10, companyId });
    expect(event).toMatchObject({
      id,
      deliveryAttempts: 2,
      lastDeliveryError: 'Temporal unavailable: deadline exceeded',
    });
    expect(event?.lastAttemptAt).toBeInstanceOf(Date);
  });

  it('counts undelivered events across companies', async () => {
    const db = getDb();
    const before = await countUndeliveredHrEvents(db);
    const { id: companyId } = await freshCompany(db);
    const id = await accept(db, companyId, 'evt_a', 'emp_a', 1);
    await accept(db, companyId, 'evt_b', 'emp_a', 2);
    expect(await countUndeliveredHrEvents(db)).toBe(before + 2);
    await markHrEventDelivered(db, id);
    expect(await countUndeliveredHrEvents(db)).toBe(before + 1);
  });

  it('forgets old delivered and stale events but keeps undelivered ones, and a resent old event stays stale', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    const delivered = await accept(db, companyId, 'evt_delivered', 'emp_a', 1);
    await markHrEventDelivered(db, delivered);
    await accept(db, companyId, 'evt_waiting', 'emp_b', 1);
    await acceptHrEvent(db, {
      companyId,
      eventId: 'evt_stale',
      type: 'employee.updated',
      occurredAt,
      employee: hrEmployee({ id: 'emp_a', version: 1 }),
    });
    await db
      .update(webhookEvents)
      .set({ receivedAt: sql`now() - interval '40 days'` })
      .where(eq(webhookEvents.companyId, companyId));
    const recent = await accept(db, companyId, 'evt_recent', 'emp_a', 2);
    await markHrEventDelivered(db, recent);

    const removed = await deleteSettledHrEventsBefore(db, new Date(Date.now() - 30 * 24 * 3600 * 1000));

    expect(removed).toBe(2);
    expect((await eventsOf(db, companyId)).map((e) => e.eventId)).toEqual(['evt_waiting', 'evt_recent']);
    const resent = await acceptHrEvent(db, {
      companyId,
      eventId: 'evt_delivered',
      type: 'employee.updated',
      occurredAt,
      employee: hrEmployee({ id: 'emp_a', version: 1 }),
    });
    expect(resent.outcome).toBe('stale');
  });
});
