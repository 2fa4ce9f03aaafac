import type { PushedEntraState } from '../../domain/graph-user';
import type { Db } from '../../store/db';
import {
  countEmployees,
  findEmployeeByEntraObjectId,
  findEmployeesByWorkEmail,
  getEmployee,
  listEmployees,
  setEmployeeEntraObjectId,
  recordEmployeeState,
} from '../../store/employees';
import { acceptHrEvent } from '../../store/hr-events';
import { describeEachDatabase } from '../helpers/databases';
import { freshCompany, hrEmployee } from './fixtures';

async function addEmployee(db: Db, companyId: string, id: string, workEmail: string | null = `${id}@contoso.com`) {
  const result = await acceptHrEvent(db, {
    companyId,
    eventId: `evt_${id}`,
    type: 'employee.created',
    occurredAt: new Date(),
    employee: hrEmployee({ id, version: 1, workEmail }),
  });
  if (result.outcome !== 'accepted') throw new Error(`employee ${id} was not accepted: ${result.outcome}`);
}

describeEachDatabase('employees', (getDb) => {
  it('returns null for an employee that does not exist, also in another company', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const other = await freshCompany(db);
    await addEmployee(db, company.id, 'emp_1');

    await expect(getEmployee(db, company.id, 'emp_2')).resolves.toBeNull();
    await expect(getEmployee(db, other.id, 'emp_1')).resolves.toBeNull();
  });

  it('pages through a company’s employees by id without gaps or repeats', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const other = await freshCompany(db);
    for (const id of ['emp_e', 'emp_a', 'emp_d', 'emp_b', 'emp_c']) await addEmployee(db, company.id, id);
    await addEmployee(db, other.id, 'emp_0');

    const first = await listEmployees(db, company.id, { limit: 2 });
    const second = await listEmployees(db, company.id, { limit: 2, afterId: first.nextAfterId });
    const third = await listEmployees(db, company.id, { limit: 2, afterId: second.nextAfterId });

    expect([first, second, third].map((page) => page.employees.map((e) => e.id))).toEqual([
      ['emp_a', 'emp_b'],
      ['emp_c', 'emp_d'],
      ['emp_e'],
    ]);
    expect(third.nextAfterId).toBeNull();
    await expect(countEmployees(db, company.id)).resolves.toBe(5);
  });

  it('links an employee to its Entra user, finds it by that id, and unlinks it', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    await addEmployee(db, company.id, 'emp_1');

    await expect(setEmployeeEntraObjectId(db, company.id, 'emp_1', 'obj-1')).resolves.toEqual({ status: 'set' });
    await expect(setEmployeeEntraObjectId(db, company.id, 'emp_1', 'obj-1')).resolves.toEqual({ status: 'set' });
    expect((await findEmployeeByEntraObjectId(db, company.id, 'obj-1'))?.id).toBe('emp_1');

    await setEmployeeEntraObjectId(db, company.id, 'emp_1', null);
    await expect(findEmployeeByEntraObjectId(db, company.id, 'obj-1')).resolves.toBeNull();
    await expect(setEmployeeEntraObjectId(db, company.id, 'emp_missing', 'obj-2')).resolves.toEqual({
      status: 'notFound',
    });
  });

  it('refuses to link a second employee to an Entra user already linked, naming the first', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    await addEmployee(db, company.id, 'emp_1');
    await addEmployee(db, company.id, 'emp_2');
    await setEmployeeEntraObjectId(db, company.id, 'emp_1', 'obj-shared');

    const result = await setEmployeeEntraObjectId(db, company.id, 'emp_2', 'obj-shared');

    expect(result).toEqual({ status: 'conflict', linkedEmployeeId: 'emp_1' });
    expect((await getEmployee(db, company.id, 'emp_2'))?.entraObjectId).toBeNull();
  });

  it('reports the conflict inside a caller’s transaction without breaking it', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    await addEmployee(db, company.id, 'emp_1');
    await addEmployee(db, company.id, 'emp_2');
    await setEmployeeEntraObjectId(db, company.id, 'emp_1', 'obj-shared');

    const phaseAfterConflict = await db.transaction(async (tx) => {
      const result = await setEmployeeEntraObjectId(tx, company.id, 'emp_2', 'obj-shared');
      expect(result.status).toBe('conflict');
      await recordEmployeeState(tx, company.id, 'emp_2', 'blocked', 'Entra user obj-shared is linked to emp_1');
      return (await getEmployee(tx, company.id, 'emp_2'))?.phase;
    });

    expect(phaseAfterConflict).toBe('blocked');
  });

  it('allows the same Entra object id in two companies', async () => {
    const db = getDb();
    const first = await freshCompany(db);
    const second = await freshCompany(db);
    await addEmployee(db, first.id, 'emp_1');
    await addEmployee(db, second.id, 'emp_1');

    await setEmployeeEntraObjectId(db, first.id, 'emp_1', 'obj-1');
    await expect(setEmployeeEntraObjectId(db, second.id, 'emp_1', 'obj-1')).resolves.toEqual({ status: 'set' });
  });

  it('stores what was last pushed to Entra and the lifecycle phase with its error', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    await addEmployee(db, company.id, 'emp_1');
    const state: PushedEntraState = {
      userPrincipalName: 'ada@contoso.com',
      fields: { givenName: 'Ada', surname: 'Lovelace', businessPhones: ['+46701234567'], jobTitle: null },
      managerEntraObjectId: null,
      managerEmployeeId: null,
      accountDisabledByPolicy: false,
      sessionsRevokedForLeave: null,
    };

    await expect(
      recordEmployeeState(db, company.id, 'emp_1', 'blocked', 'Graph refused usageLocation', 1, state),
    ).resolves.toBe(true);
    expect(await getEmployee(db, company.id, 'emp_1')).toMatchObject({
      pushedEntraState: state,
      phase: 'blocked',
      lastError: 'Graph refused usageLocation',
      reconciledVersion: 1,
    });

    // Without a version or pushed state, those stay as they were.
    await recordEmployeeState(db, company.id, 'emp_1', 'provisioned', null);
    expect(await getEmployee(db, company.id, 'emp_1')).toMatchObject({
      phase: 'provisioned',
      lastError: null,
      reconciledVersion: 1,
      pushedEntraState: state,
    });
    await recordEmployeeState(db, company.id, 'emp_1', 'active', null, 2, null);
    expect(await getEmployee(db, company.id, 'emp_1')).toMatchObject({ reconciledVersion: 2, pushedEntraState: null });
    await expect(recordEmployeeState(db, company.id, 'emp_missing', 'waiting', null)).resolves.toBe(false);
  });

  it('finds employees by work email ignoring case, only in their own company', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const other = await freshCompany(db);
    await addEmployee(db, company.id, 'emp_1', 'ada@contoso.com');
    await addEmployee(db, company.id, 'emp_2', null);
    await addEmployee(db, other.id, 'emp_9', 'ada@contoso.com');

    const found = await findEmployeesByWorkEmail(db, company.id, 'Ada@Contoso.COM');

    expect(found.map((e) => e.id)).toEqual(['emp_1']);
    await expect(findEmployeesByWorkEmail(db, company.id, 'grace@contoso.com')).resolves.toEqual([]);
  });

  it('returns every employee sharing a work email so that the caller can see the ambiguity', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    await addEmployee(db, company.id, 'emp_2', 'shared@contoso.com');
    await addEmployee(db, company.id, 'emp_1', 'shared@contoso.com');

    const found = await findEmployeesByWorkEmail(db, company.id, 'shared@contoso.com');

    expect(found.map((e) => e.id)).toEqual(['emp_1', 'emp_2']);
  });
});
