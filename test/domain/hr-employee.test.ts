import { HrEmployee, parseHrWebhookEvent } from '../../domain/hr-employee';
import { formatIssuePath } from '../../domain/validation-issues';
import { adaInput } from './hr-fixtures';

const event = (employee: Record<string, unknown> = adaInput, overrides: Record<string, unknown> = {}) => ({
  id: 'evt_01J',
  type: 'employee.updated',
  occurredAt: '2026-11-22T10:00:00Z',
  companyId: 'default',
  data: { employee },
  ...overrides,
});

describe('parseHrWebhookEvent', () => {
  it('accepts the webhook example as it is', () => {
    const result = parseHrWebhookEvent(event());
    expect(result.success).toBe(true);
    if (result.success) expect(result.event.data.employee).toEqual({ ...adaInput });
  });

  it('names each missing top-level field', () => {
    expect(parseHrWebhookEvent({})).toEqual({
      success: false,
      problems: [
        'id: is required',
        'type: is required',
        'occurredAt: is required',
        'companyId: is required',
        'data: is required',
      ],
    });
  });

  it('refuses a body that is not an object', () => {
    expect(parseHrWebhookEvent(null)).toEqual({ success: false, problems: ['(root): must be a JSON object'] });
    expect(parseHrWebhookEvent([])).toEqual({ success: false, problems: ['(root): must be a JSON object'] });
  });

  it('requires the employee version', () => {
    const { version: _version, ...withoutVersion } = adaInput;
    expect(parseHrWebhookEvent(event(withoutVersion))).toEqual({
      success: false,
      problems: ['data.employee.version: is required'],
    });
  });

  it.each([
    [{ version: '7' }, 'data.employee.version: must be a number'],
    [{ version: 7.5 }, 'data.employee.version: must be a whole number'],
    [{ version: -1 }, 'data.employee.version: must not be negative'],
    [{ id: '' }, 'data.employee.id: is required'],
    [{ id: 'emp 1' }, 'data.employee.id: may contain only letters, digits and . _ : @ -'],
    [{ firstName: 42 }, 'data.employee.firstName: must be text'],
    [{ firstName: 'x'.repeat(65) }, 'data.employee.firstName: must be at most 64 characters'],
    [{ workEmail: 'not-an-email' }, 'data.employee.workEmail: must be an email address'],
    [{ hireDate: '2026-02-30' }, 'data.employee.hireDate: must be a date as YYYY-MM-DD'],
    [{ hireDate: '2027-02-29' }, 'data.employee.hireDate: must be a date as YYYY-MM-DD'],
    [{ offboardedDate: '01/12/2026' }, 'data.employee.offboardedDate: must be a date as YYYY-MM-DD'],
    [{ offboardedDate: 20261201 }, 'data.employee.offboardedDate: must be a date as YYYY-MM-DD'],
    [{ homeAddress: 'Storgatan 1' }, 'data.employee.homeAddress: must be an object'],
    [{ homeAddress: { zipCode: '1'.repeat(41) } }, 'data.employee.homeAddress.zipCode: must be at most 40 characters'],
  ])('refuses employee %j with "%s"', (change, problem) => {
    expect(parseHrWebhookEvent(event({ ...adaInput, ...change }))).toEqual({ success: false, problems: [problem] });
  });

  it.each([
    [{ type: 'employee.promoted' }, /^type: must be one of employee\.created, /],
    [{ occurredAt: 'yesterday' }, /^occurredAt: must be an ISO 8601 date-time$/],
    [{ companyId: 'acme corp' }, /^companyId: may contain only letters, digits, _ and -$/],
    [{ data: {} }, /^data\.employee: is required$/],
  ])('refuses event %j with a message naming the field', (overrides, problem) => {
    const result = parseHrWebhookEvent(event(adaInput, overrides));
    expect(result.success).toBe(false);
    if (!result.success) expect(result.problems).toEqual([expect.stringMatching(problem)]);
  });

  it('accepts a leap day', () => {
    expect(parseHrWebhookEvent(event({ ...adaInput, hireDate: '2028-02-29' })).success).toBe(true);
  });
});

describe('HrEmployee', () => {
  it('turns missing fields, nulls and empty or blank strings into null', () => {
    const employee = HrEmployee.parse({
      id: 'emp_9',
      version: 0,
      firstName: '',
      lastName: '   ',
      workEmail: '',
      title: null,
      hireDate: '',
      homeAddress: { street: '', city: null },
    });
    expect(employee).toEqual({
      id: 'emp_9',
      version: 0,
      firstName: null,
      lastName: null,
      workEmail: null,
      title: null,
      department: null,
      organization: null,
      office: null,
      workPhone: null,
      reportsTo: null,
      homeAddress: { street: null, zipCode: null, city: null, country: null },
      hireDate: null,
      offboardedDate: null,
    });
  });

  it('accepts work emails whose alias uses characters Entra allows in a userPrincipalName', () => {
    const employee = HrEmployee.parse({ ...adaInput, workEmail: "o'neil~ada!x#y^z@contoso.com" });
    expect(employee.workEmail).toBe("o'neil~ada!x#y^z@contoso.com");
  });

  it('trims text and lower-cases the work email', () => {
    const employee = HrEmployee.parse({ ...adaInput, firstName: '  Ada ', workEmail: ' ADA@Contoso.COM ' });
    expect(employee.firstName).toBe('Ada');
    expect(employee.workEmail).toBe('ada@contoso.com');
  });

  it('keeps names with diacritics and apostrophes as HR wrote them', () => {
    const employee = HrEmployee.parse({ ...adaInput, firstName: 'Åsa', lastName: "O'Neil-Öberg" });
    expect([employee.firstName, employee.lastName]).toEqual(['Åsa', "O'Neil-Öberg"]);
  });
});

describe('formatIssuePath', () => {
  it('writes object keys with dots and list positions in brackets', () => {
    expect(formatIssuePath(['emails', 0, 'value'])).toBe('emails[0].value');
    expect(formatIssuePath([])).toBe('(root)');
  });
});
