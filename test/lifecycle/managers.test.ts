/** Manager resolution: waiting for a manager not yet in Entra, removal, self-reference and cycles. */
import { LifecycleHarness } from './harness';

// End-to-end steps share two CPU cores with the rest of the suite: allow them time.
jest.setTimeout(120_000);

const h = new LifecycleHarness();
beforeAll(() => h.setup(), 120_000);
afterAll(() => h.teardown(), 120_000);

const person = (id: string, first: string, reportsTo: string | null = null) => ({
  id,
  firstName: first,
  lastName: 'Example',
  workEmail: `${first.toLowerCase()}@contoso.com`,
  reportsTo,
});

describe('the manager of an Entra user', () => {
  it('is set as soon as the manager is created, when HR sent the report first', async () => {
    await h.hr('employee.onboarded', person('emp_report', 'Rita', 'emp_boss'));
    const waiting = await h.until('emp_report', (s) => s.manager?.status === 'waiting');
    expect(waiting.phase).toBe('active');
    expect(waiting.pendingTimers).toEqual([expect.objectContaining({ kind: 'manager-backstop' })]);
    expect(h.entraUser('rita@contoso.com')?.managerId).toBeNull();

    await h.hr('employee.onboarded', person('emp_boss', 'Bo'));
    const boss = await h.until('emp_boss', (s) => s.phase === 'active');
    // Woken by the manager's workflow: no timer had to fire.
    const report = await h.until('emp_report', (s) => s.manager?.status === 'set');
    expect(report.manager?.entraObjectId).toBe(boss.entraObjectId);
    expect(h.entraUser('rita@contoso.com')?.managerId).toBe(boss.entraObjectId);
  });

  it('is removed when HR removes reportsTo', async () => {
    await h.hr('employee.updated', person('emp_report', 'Rita', null));
    const state = await h.settled('emp_report');
    expect(state.manager).toBeNull();
    expect(state.lastPushed?.managerEntraObjectId).toBeNull();
    expect(h.entraUser('rita@contoso.com')?.managerId).toBeNull();
  });

  it('is refused, with the reason recorded, when HR names the employee as their own manager', async () => {
    await h.hr('employee.onboarded', person('emp_self', 'Sam', 'emp_self'));
    const state = await h.until('emp_self', (s) => s.manager?.status === 'refused');
    expect(state.phase).toBe('active');
    expect(state.lastError).toMatchObject({ type: 'ManagerRefused', target: 'manager' });
    expect(state.lastError?.message).toContain('own manager');
    expect(h.entraUser('sam@contoso.com')?.managerId).toBeNull();
  });

  it('is refused on both sides of a reporting cycle', async () => {
    await h.hr('employee.onboarded', person('emp_a', 'Anna', 'emp_b'));
    await h.hr('employee.onboarded', person('emp_b', 'Bert', 'emp_a'));
    const a = await h.until('emp_a', (s) => s.manager?.status === 'refused');
    const b = await h.until('emp_b', (s) => s.manager?.status === 'refused');
    expect(a.lastError?.message).toContain('emp_a → emp_b → emp_a');
    expect(b.lastError?.message).toContain('emp_b → emp_a → emp_b');
    expect(h.entraUser('anna@contoso.com')?.managerId).toBeNull();
    expect(h.entraUser('bert@contoso.com')?.managerId).toBeNull();
  });

  it('is set once HR breaks the cycle', async () => {
    await h.hr('employee.updated', person('emp_b', 'Bert', null));
    await h.hr('employee.updated', person('emp_a', 'Anna', 'emp_b'));
    const a = await h.until('emp_a', (s) => s.manager?.status === 'set');
    expect(a.lastError).toBeNull();
    expect(h.entraUser('anna@contoso.com')?.managerId).toBe(h.entraUser('bert@contoso.com')?.id);
  });
});
