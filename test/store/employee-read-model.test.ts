import type { Db } from '../../store/db';
import {
  countEmployeesByPhase,
  listEmployeeHrEvents,
  notStartedPhase,
  searchEmployees,
} from '../../store/employee-read-model';
import { recordEmployeeState } from '../../store/employees';
import { acceptHrEvent } from '../../store/hr-events';
import { describeEachDatabase } from '../helpers/databases';
import { freshCompany, hrEmployee } from './fixtures';

async function addEmployee(
  db: Db,
  companyId: string,
  id: string,
  fields: { firstName?: string; lastName?: string; workEmail?: string | null; version?: number } = {},
) {
  const version = fields.version ?? 1;
  const result = await acceptHrEvent(db, {
    companyId,
    eventId: `evt_${id}_${version}`,
    type: version === 1 ? 'employee.created' : 'employee.updated',
    occurredAt: new Date(Date.UTC(2026, 10, version)),
    employee: hrEmployee({
      id,
      version,
      firstName: fields.firstName ?? 'Ada',
      lastName: fields.lastName ?? 'Lovelace',
      workEmail: fields.workEmail === undefined ? `${id}@contoso.com` : fields.workEmail,
    }),
  });
  if (result.outcome !== 'accepted') throw new Error(`employee ${id} was not accepted`);
}

describeEachDatabase('employee read model', (getDb) => {
  it('finds employees by HR id, work email or name, ignoring case, and only in the company asked', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const other = await freshCompany(db);
    await addEmployee(db, company.id, 'emp_1', { firstName: 'Grace', lastName: 'Hopper', workEmail: 'g@contoso.com' });
    await addEmployee(db, company.id, 'emp_2', {
      firstName: 'Alan',
      lastName: 'Turing',
      workEmail: 'alan@fabrikam.com',
    });
    await addEmployee(db, company.id, 'x_100', { firstName: 'Ada', lastName: 'Lovelace', workEmail: null });
    await addEmployee(db, other.id, 'emp_9', { firstName: 'Grace', lastName: 'Hopper' });

    const ids = async (search: string) =>
      (await searchEmployees(db, company.id, { search, limit: 10 })).rows.map((r) => r.id);
    await expect(ids('grace hop')).resolves.toEqual(['emp_1']);
    await expect(ids('FABRIKAM')).resolves.toEqual(['emp_2']);
    await expect(ids('x_1')).resolves.toEqual(['x_100']);
    await expect(ids('emp_')).resolves.toEqual(['emp_1', 'emp_2']);
    // LIKE's wildcards are text to search for, not patterns.
    await expect(ids('%')).resolves.toEqual([]);
    await expect(ids('_')).resolves.toEqual(['emp_1', 'emp_2', 'x_100']);
  });

  it('filters by lifecycle phase, with not-started for employees no workflow reported on', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    for (const id of ['a', 'b', 'c', 'd']) await addEmployee(db, company.id, id);
    await recordEmployeeState(db, company.id, 'a', 'active', null, 1);
    await recordEmployeeState(db, company.id, 'b', 'blocked', 'Graph refused jobTitle', 1);
    await recordEmployeeState(db, company.id, 'c', 'active', null, 1);

    const active = await searchEmployees(db, company.id, { phase: 'active', limit: 10 });
    expect(active.rows.map((r) => r.id)).toEqual(['a', 'c']);
    expect(active.total).toBe(2);
    const blocked = await searchEmployees(db, company.id, { phase: 'blocked', limit: 10 });
    expect(blocked.rows).toEqual([expect.objectContaining({ id: 'b', lastError: 'Graph refused jobTitle' })]);
    const notStarted = await searchEmployees(db, company.id, { phase: notStartedPhase, limit: 10 });
    expect(notStarted.rows.map((r) => r.id)).toEqual(['d']);
    await expect(countEmployeesByPhase(db, company.id)).resolves.toEqual({
      active: 2,
      blocked: 1,
      [notStartedPhase]: 1,
    });
  });

  it('pages forwards and backwards by id without gaps or repeats, with the total of all pages', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    for (const id of ['e', 'a', 'd', 'b', 'c']) await addEmployee(db, company.id, id);

    const first = await searchEmployees(db, company.id, { limit: 2 });
    expect(first.rows.map((r) => r.id)).toEqual(['a', 'b']);
    expect(first).toMatchObject({ total: 5, previousBefore: null, nextAfter: 'b' });
    const second = await searchEmployees(db, company.id, { limit: 2, after: first.nextAfter });
    expect(second.rows.map((r) => r.id)).toEqual(['c', 'd']);
    expect(second).toMatchObject({ previousBefore: 'c', nextAfter: 'd' });
    const third = await searchEmployees(db, company.id, { limit: 2, after: second.nextAfter });
    expect(third.rows.map((r) => r.id)).toEqual(['e']);
    expect(third).toMatchObject({ previousBefore: 'e', nextAfter: null });

    const back = await searchEmployees(db, company.id, { limit: 2, before: third.previousBefore });
    expect(back.rows.map((r) => r.id)).toEqual(['c', 'd']);
    expect(back).toMatchObject({ previousBefore: 'c', nextAfter: 'd' });
    const start = await searchEmployees(db, company.id, { limit: 2, before: back.previousBefore });
    expect(start.rows.map((r) => r.id)).toEqual(['a', 'b']);
    expect(start).toMatchObject({ previousBefore: null, nextAfter: 'b' });
  });

  it('shows when HR last changed each employee and lists the HR events newest first', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    await addEmployee(db, company.id, 'emp_1');
    await addEmployee(db, company.id, 'emp_1', { version: 2, lastName: 'King' });
    await addEmployee(db, company.id, 'emp_2');

    const page = await searchEmployees(db, company.id, { limit: 10 });
    expect(page.rows.map((r) => [r.id, r.lastName, r.version, r.lastHrChangeAt?.toISOString()])).toEqual([
      ['emp_1', 'King', 2, '2026-11-02T00:00:00.000Z'],
      ['emp_2', 'Lovelace', 1, '2026-11-01T00:00:00.000Z'],
    ]);
    const events = await listEmployeeHrEvents(db, company.id, 'emp_1');
    expect(events.map((e) => [e.eventId, e.type, e.employeeVersion, e.outcome, e.deliveredAt])).toEqual([
      ['evt_emp_1_2', 'employee.updated', 2, 'accepted', null],
      ['evt_emp_1_1', 'employee.created', 1, 'accepted', null],
    ]);
  });
});
