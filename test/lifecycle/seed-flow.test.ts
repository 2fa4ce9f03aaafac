/**
 * The lifecycle end to end as docs/mapping.md describes it: an employee's example flow, the creation and offboarding
 * rules, and every field of the field table, through the webhook, the Temporal sandbox and the Entra sandbox.
 */
import { LifecycleHarness } from './harness';

// End-to-end steps share two CPU cores with the rest of the suite: allow them time.
jest.setTimeout(120_000);

const h = new LifecycleHarness();
beforeAll(() => h.setup(), 120_000);
afterAll(() => h.teardown(), 120_000);

const ada = {
  id: 'emp_ada',
  firstName: 'Ada',
  lastName: 'Lovelace',
  workEmail: 'ada@contoso.com',
  title: 'Engineer',
  department: 'R&D',
  organization: 'Contoso AB',
  office: 'Stockholm',
  workPhone: '+46701234567',
  homeAddress: { street: 'Storgatan 1', zipCode: '111 22', city: 'Stockholm', country: 'SE' },
  hireDate: '2026-12-01',
};

describe("an employee's example flow", () => {
  it('creates an onboarded employee in Entra, enabled, with every mapped field', async () => {
    await h.hr('employee.onboarded', ada);
    const state = await h.until(ada.id, (s) => s.phase === 'active');
    const user = h.entraUser('ada@contoso.com');
    expect(user?.id).toBe(state.entraObjectId);
    expect(user?.props).toMatchObject({
      accountEnabled: true,
      givenName: 'Ada',
      surname: 'Lovelace',
      displayName: 'Ada Lovelace',
      mailNickname: 'ada.lovelace',
      mail: 'ada@contoso.com',
      jobTitle: 'Engineer',
      department: 'R&D',
      companyName: 'Contoso AB',
      officeLocation: 'Stockholm',
      businessPhones: ['+46701234567'],
      streetAddress: 'Storgatan 1',
      postalCode: '111 22',
      city: 'Stockholm',
      country: 'SE',
      employeeHireDate: '2026-12-01T00:00:00Z',
    });
  });

  it('updates the Entra user when HR changes fields, writing only what changed', async () => {
    h.entra.control.clearRequests();
    await h.hr('employee.updated', { ...ada, title: 'Principal Engineer', office: 'Göteborg' });
    await h.settled(ada.id);
    expect(h.entraUser('ada@contoso.com')?.props).toMatchObject({
      jobTitle: 'Principal Engineer',
      officeLocation: 'Göteborg',
      givenName: 'Ada',
    });
    const patches = h.graphWrites().filter((w) => w.method === 'PATCH');
    expect(patches).toHaveLength(1);
  });

  it('sets employeeLeaveDateTime at once for a future offboarding date, and leaves the account enabled', async () => {
    await h.hr('employee.offboarded', {
      ...ada,
      title: 'Principal Engineer',
      office: 'Göteborg',
      offboardedDate: '2099-03-31',
    });
    const state = await h.settled(ada.id);
    expect(state.phase).toBe('offboarding');
    expect(state.pendingTimers).toEqual([
      expect.objectContaining({ kind: 'leave', dueAt: '2099-03-31T23:59:59.000Z' }),
    ]);
    expect(h.entraUser('ada@contoso.com')?.props).toMatchObject({
      employeeLeaveDateTime: '2099-03-31T23:59:59Z',
      accountEnabled: true,
    });
  });

  it('moves employeeLeaveDateTime to a past offboarding date, and still leaves the account enabled by default', async () => {
    await h.hr('employee.offboarded', {
      ...ada,
      title: 'Principal Engineer',
      office: 'Göteborg',
      offboardedDate: '2026-01-15',
    });
    const state = await h.settled(ada.id);
    expect(state.phase).toBe('left');
    expect(state.pendingTimers).toEqual([]);
    expect(h.entraUser('ada@contoso.com')?.props).toMatchObject({
      employeeLeaveDateTime: '2026-01-15T23:59:59Z',
      accountEnabled: true,
    });
  });

  it('clears employeeLeaveDateTime when the offboarding is cancelled', async () => {
    await h.hr('employee.offboarding_cancelled', { ...ada, title: 'Principal Engineer', office: 'Göteborg' });
    const state = await h.settled(ada.id);
    expect(state.phase).toBe('active');
    expect(h.entraUser('ada@contoso.com')?.props.employeeLeaveDateTime ?? null).toBeNull();
  });
});

describe('the creation and offboarding rules', () => {
  it('does not create a user whose last name is missing, says why, and creates it once HR adds it', async () => {
    const grace = { id: 'emp_grace', firstName: 'Grace', workEmail: 'grace@contoso.com' };
    await h.hr('employee.onboarded', grace);
    const waiting = await h.settled(grace.id);
    expect(waiting.phase).toBe('waiting-for-data');
    expect(waiting.waitingReason).toContain('no last name');
    expect(h.entraUser('grace@contoso.com')).toBeUndefined();

    await h.hr('employee.updated', { ...grace, lastName: 'Hopper' });
    await h.until(grace.id, (s) => s.phase === 'active');
    expect(h.entraUser('grace@contoso.com')?.props).toMatchObject({ displayName: 'Grace Hopper' });
  });

  it('does not create a user whose work email is on a domain the tenant has not verified, until it is verified', async () => {
    const alan = { id: 'emp_alan', firstName: 'Alan', lastName: 'Turing', workEmail: 'alan@fabrikam.com' };
    await h.hr('employee.onboarded', alan);
    const waiting = await h.settled(alan.id);
    expect(waiting.phase).toBe('waiting-for-domain');
    expect(waiting.waitingReason).toContain('fabrikam.com');
    expect(waiting.pendingTimers).toEqual([expect.objectContaining({ kind: 'recheck' })]);
    expect(h.entraUser('alan@fabrikam.com')).toBeUndefined();

    h.entra.control.setDomain(h.entra.tenantId, 'fabrikam.com', true);
    await h.kit.env.sleep('61 minutes');
    await h.until(alan.id, (s) => s.phase === 'active');
    expect(h.entraUser('alan@fabrikam.com')?.props.accountEnabled).toBe(true);
  });
});

describe('each field of the field table', () => {
  const base = { id: 'emp_fields', firstName: 'Field', lastName: 'Tester', workEmail: 'field.tester@contoso.com' };
  beforeAll(async () => {
    await h.hr('employee.onboarded', base);
    await h.until(base.id, (s) => s.phase === 'active');
  });

  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'first name',
      { firstName: 'Fieldy' },
      { givenName: 'Fieldy', displayName: 'Fieldy Tester', mailNickname: 'fieldy.tester' },
    ],
    [
      'last name',
      { lastName: 'Testér' },
      { surname: 'Testér', displayName: 'Field Testér', mailNickname: 'field.tester' },
    ],
    ['work email', { workEmail: 'f.tester@contoso.com' }, { mail: 'f.tester@contoso.com' }],
    ['home street', { homeAddress: { street: 'Drottninggatan 2' } }, { streetAddress: 'Drottninggatan 2' }],
    ['home zip code', { homeAddress: { zipCode: '411 03' } }, { postalCode: '411 03' }],
    ['home city', { homeAddress: { city: 'Göteborg' } }, { city: 'Göteborg' }],
    ['home country', { homeAddress: { country: 'SE' } }, { country: 'SE' }],
    ['title', { title: 'Tester' }, { jobTitle: 'Tester' }],
    ['organization', { organization: 'Contoso AB' }, { companyName: 'Contoso AB' }],
    ['office', { office: 'Malmö' }, { officeLocation: 'Malmö' }],
    ['department', { department: 'QA' }, { department: 'QA' }],
    ['work phone', { workPhone: '+46 70 123 45 67' }, { businessPhones: ['+46 70 123 45 67'] }],
    ['hire date', { hireDate: '2027-02-01' }, { employeeHireDate: '2027-02-01T00:00:00Z' }],
    ['offboarded date', { offboardedDate: '2099-06-30' }, { employeeLeaveDateTime: '2099-06-30T23:59:59Z' }],
  ];

  it.each(cases)('writes a change of %s to Entra', async (_field, change, expected) => {
    await h.hr('employee.updated', { ...base, ...change });
    await h.settled(base.id);
    expect(h.entraUser('field.tester@contoso.com')?.props).toMatchObject(expected);
  });

  it('clears Graph properties whose HR value was cleared, but never displayName or mail', async () => {
    await h.hr('employee.updated', { ...base, title: 'Tester', department: 'QA' });
    await h.settled(base.id);
    await h.hr('employee.updated', { ...base, title: null, department: '', workPhone: null });
    await h.settled(base.id);
    const props = h.entraUser('field.tester@contoso.com')?.props ?? {};
    expect(props.jobTitle ?? null).toBeNull();
    expect(props.department ?? null).toBeNull();
    expect(props.businessPhones ?? []).toEqual([]);
    expect(props.displayName).toBe('Field Tester');
    expect(props.mail).toBe('field.tester@contoso.com');
  });

  it('uses the work email as userPrincipalName at creation and keeps it when the email changes', async () => {
    await h.hr('employee.updated', { ...base, workEmail: 'renamed@contoso.com' });
    const state = await h.settled(base.id);
    expect(state.userPrincipalName).toBe('field.tester@contoso.com');
    expect(h.entraUser('field.tester@contoso.com')?.props.mail).toBe('renamed@contoso.com');
  });
});
