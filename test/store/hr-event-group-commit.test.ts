/**
 * Group commit of HR events on PGlite and PostgreSQL: a batch (`acceptHrEvents`) gives each event the outcome it
 * would have had alone and stores what one-at-a-time would have stored; concurrent submissions share transactions;
 * an event the database refuses fails only its own caller, the rest of its batch is stored.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../store/db';
import { getEmployee } from '../../store/employees';
import { GroupCommit } from '../../store/group-commit';
import type { AcceptHrEventResult, HrEventInput } from '../../store/hr-events';
import { acceptHrEvent, acceptHrEvents, listUndeliveredHrEvents } from '../../store/hr-events';
import { webhookEvents } from '../../store/schema';
import { describeEachDatabase } from '../helpers/databases';
import { freshCompany, hrEmployee } from './fixtures';

const occurredAt = new Date('2026-11-22T10:00:00Z');

function input(companyId: string, eventId: string, employeeId: string, version: number): HrEventInput {
  return {
    companyId,
    eventId,
    type: 'employee.updated',
    occurredAt,
    employee: hrEmployee({ id: employeeId, version, lastName: `${eventId}` }),
  };
}

async function outcomesOf(db: Db, companyId: string) {
  const rows = await db
    .select({ eventId: webhookEvents.eventId, outcome: webhookEvents.outcome })
    .from(webhookEvents)
    .where(eq(webhookEvents.companyId, companyId));
  return Object.fromEntries(rows.map((row) => [row.eventId, row.outcome]));
}

describeEachDatabase('HR events by group commit', (getDb) => {
  it('gives each event of a batch the outcome it has alone: new, stale, duplicate, and the newest of one employee', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    // Stored before the batch: emp_old at version 5 (from evt_old), and an event already recorded as stale.
    await acceptHrEvent(db, input(companyId, 'evt_old', 'emp_old', 5));
    await acceptHrEvent(db, input(companyId, 'evt_was_stale', 'emp_old', 2));

    const results = await acceptHrEvents(db, [
      input(companyId, 'evt_new', 'emp_new', 1),
      input(companyId, 'evt_newer_than_stored', 'emp_old', 6),
      input(companyId, 'evt_older_than_stored', 'emp_old', 4),
      input(companyId, 'evt_old', 'emp_old', 9),
      input(companyId, 'evt_was_stale', 'emp_old', 9),
      input(companyId, 'evt_v2', 'emp_twice', 2),
      input(companyId, 'evt_v3', 'emp_twice', 3),
      input(companyId, 'evt_new', 'emp_new', 7),
    ]);

    const rowIds = await listUndeliveredHrEvents(db, { limit: 100, companyId });
    const rowIdOf = (eventId: string) => rowIds.find((row) => row.eventId === eventId)?.id;
    expect(results).toEqual([
      { outcome: 'accepted', eventRowId: rowIdOf('evt_new'), previousVersion: null },
      { outcome: 'accepted', eventRowId: rowIdOf('evt_newer_than_stored'), previousVersion: 5 },
      { outcome: 'stale', eventRowId: expect.any(Number), storedVersion: 6 },
      { outcome: 'duplicate', firstOutcome: 'accepted' },
      { outcome: 'duplicate', firstOutcome: 'stale' },
      { outcome: 'stale', eventRowId: expect.any(Number), storedVersion: 3 },
      { outcome: 'accepted', eventRowId: rowIdOf('evt_v3'), previousVersion: null },
      // The same id twice in one batch: the second is a duplicate of the first, and its snapshot is not applied.
      { outcome: 'duplicate', firstOutcome: 'accepted' },
    ]);
    expect(await outcomesOf(db, companyId)).toEqual({
      evt_old: 'accepted',
      evt_was_stale: 'stale',
      evt_new: 'accepted',
      evt_newer_than_stored: 'accepted',
      evt_older_than_stored: 'stale',
      evt_v2: 'stale',
      evt_v3: 'accepted',
    });
    expect(await getEmployee(db, companyId, 'emp_old')).toMatchObject({ version: 6 });
    expect((await getEmployee(db, companyId, 'emp_old'))?.snapshot.lastName).toBe('evt_newer_than_stored');
    expect(await getEmployee(db, companyId, 'emp_twice')).toMatchObject({ version: 3 });
    expect(await getEmployee(db, companyId, 'emp_new')).toMatchObject({ version: 1 });
    // The outbox holds exactly the accepted events, to be delivered.
    expect(rowIds.map((row) => row.eventId).sort()).toEqual(['evt_new', 'evt_newer_than_stored', 'evt_old', 'evt_v3']);
  });

  it('answers a batch of only known events without touching the employees', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    await acceptHrEvent(db, input(companyId, 'evt_a', 'emp_a', 1));
    expect(
      await acceptHrEvents(db, [input(companyId, 'evt_a', 'emp_a', 8), input(companyId, 'evt_a', 'emp_a', 9)]),
    ).toEqual([
      { outcome: 'duplicate', firstOutcome: 'accepted' },
      { outcome: 'duplicate', firstOutcome: 'accepted' },
    ]);
    expect(await getEmployee(db, companyId, 'emp_a')).toMatchObject({ version: 1 });
  });

  it('commits concurrent submissions together, and one the database refuses fails alone while its batch is stored', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    const batches: number[] = [];
    const group = new GroupCommit<HrEventInput, AcceptHrEventResult>({
      commitMany: (events) => {
        batches.push(events.length);
        return acceptHrEvents(db, events);
      },
      commitOne: (event) => acceptHrEvent(db, event),
      maxBatchSize: 64,
      maxConcurrentBatches: 1,
    });

    // Submitted in one turn of the event loop: one transaction for all twenty.
    const together = await Promise.all(
      Array.from({ length: 20 }, (_, i) => group.submit(input(companyId, `evt_${i}`, `emp_${i}`, 1))),
    );
    expect(together.map((r) => r.outcome)).toEqual(Array(20).fill('accepted'));
    expect(batches).toEqual([20]);

    // An event of a company that does not exist (deleted while its secret was remembered) in the next batch: the
    // batch rolls back, and each event is written again on its own.
    const next = await Promise.all([
      group.submit(input(companyId, 'evt_after_1', 'emp_after_1', 1)),
      group.submit(input('co_gone', 'evt_gone', 'emp_gone', 1)),
      group.submit(input(companyId, 'evt_0', 'emp_0', 2)),
      group.submit(input(companyId, 'evt_after_2', 'emp_after_1', 2)),
    ]);
    expect(next).toEqual([
      expect.objectContaining({ outcome: 'accepted' }),
      { outcome: 'unknownCompany' },
      { outcome: 'duplicate', firstOutcome: 'accepted' },
      expect.objectContaining({ outcome: 'accepted', previousVersion: 1 }),
    ]);
    expect(batches).toEqual([20, 4]);
    expect(await getEmployee(db, companyId, 'emp_after_1')).toMatchObject({ version: 2 });
    expect(await getEmployee(db, companyId, 'emp_0')).toMatchObject({ version: 1 });
  });

  it('rejects only the caller whose write fails on its own', async () => {
    const group = new GroupCommit<string, string>({
      commitMany: () => Promise.reject(new Error('the batch failed')),
      commitOne: (item) => (item === 'bad' ? Promise.reject(new Error(`${item} refused`)) : Promise.resolve(item)),
      maxBatchSize: 10,
      maxConcurrentBatches: 2,
    });
    const settled = await Promise.allSettled(['a', 'bad', 'b'].map((item) => group.submit(item)));
    expect(settled).toEqual([
      { status: 'fulfilled', value: 'a' },
      { status: 'rejected', reason: new Error('bad refused') },
      { status: 'fulfilled', value: 'b' },
    ]);
  });
});
