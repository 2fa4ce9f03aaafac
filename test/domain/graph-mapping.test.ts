import type { NewGraphUser } from '../../domain/graph-mapping';
import type { GraphUserProperties } from '../../domain/graph-user';
import { mapHrToGraph, toNewGraphUser } from '../../domain/graph-mapping';
import { HrEmployee } from '../../domain/hr-employee';
import { adaInput, hrEmployee } from './hr-fixtures';

const utc = { timeZone: 'UTC' };
const stockholm = { timeZone: 'Europe/Stockholm' };

describe('mapHrToGraph: the field table of docs/mapping.md', () => {
  const { properties, userPrincipalName, managerEmployeeId } = mapHrToGraph(hrEmployee(), utc);

  it.each<[string, keyof GraphUserProperties, unknown]>([
    ['Personal: First name → givenName', 'givenName', 'Ada'],
    ['Personal: Last name → surname', 'surname', 'Lovelace'],
    ['Personal: First name(dot)Last name → mailNickname', 'mailNickname', 'ada.lovelace'],
    ['Personal: First name + Last name → displayName', 'displayName', 'Ada Lovelace'],
    ['Home Address: Street name → streetAddress', 'streetAddress', 'Storgatan 1'],
    ['Home Address: Zip code → postalCode', 'postalCode', '111 22'],
    ['Home Address: City → city', 'city', 'Stockholm'],
    ['Home Address: Country → country', 'country', 'SE'],
    ['Work: Work email → mail', 'mail', 'ada@contoso.com'],
    ['Work: Title → jobTitle', 'jobTitle', 'Engineer'],
    ['Work: Organization → companyName', 'companyName', 'Contoso AB'],
    ['Work: Office → officeLocation', 'officeLocation', 'Stockholm'],
    ['Work: Department → department', 'department', 'R&D'],
    ['Work: Phone → businessPhones (one value)', 'businessPhones', ['+46701234567']],
    ['Hire date → employeeHireDate', 'employeeHireDate', '2026-12-01T00:00:00Z'],
  ])('maps %s', (_row, property, expected) => {
    expect(properties[property]).toEqual(expected);
  });

  it('maps Offboarded date → employeeLeaveDateTime as the end of that day', () => {
    const mapped = mapHrToGraph(hrEmployee({ offboardedDate: '2027-03-31' }), utc);
    expect(mapped.properties.employeeLeaveDateTime).toBe('2027-03-31T23:59:59Z');
  });

  it('uses the work email as the userPrincipalName for the create', () => {
    expect(userPrincipalName).toBe('ada@contoso.com');
  });

  it('exposes Work: Reports to as the HR id of the manager, not as a Graph property', () => {
    expect(managerEmployeeId).toBe('emp_001');
    expect(properties).not.toHaveProperty('manager');
  });

  it('never writes accountEnabled, which is set only at creation', () => {
    expect(properties).not.toHaveProperty('accountEnabled');
  });

  it('writes the work email in lower case whatever case HR used', () => {
    const mapped = mapHrToGraph(hrEmployee({ workEmail: 'ADA@Contoso.COM' }), utc);
    expect(mapped.properties.mail).toBe('ada@contoso.com');
    expect(mapped.userPrincipalName).toBe('ada@contoso.com');
  });
});

describe('mapHrToGraph: dates in the company time zone', () => {
  it.each([
    ['UTC', '2026-12-01', '2026-12-01T00:00:00Z'],
    ['Europe/Stockholm', '2026-01-15', '2026-01-14T23:00:00Z'],
    ['Europe/Stockholm', '2026-07-15', '2026-07-14T22:00:00Z'],
    ['Europe/Stockholm', '2027-03-28', '2027-03-27T23:00:00Z'],
    ['America/New_York', '2026-12-01', '2026-12-01T05:00:00Z'],
    ['America/New_York', '2026-06-01', '2026-06-01T04:00:00Z'],
    ['Asia/Kolkata', '2026-12-01', '2026-11-30T18:30:00Z'],
    ['America/Santiago', '2026-09-06', '2026-09-06T04:00:00Z'],
  ])('in %s a hire date of %s starts at %s', (timeZone, hireDate, expected) => {
    expect(mapHrToGraph(hrEmployee({ hireDate }), { timeZone }).properties.employeeHireDate).toBe(expected);
  });

  it.each([
    ['UTC', '2027-03-31', '2027-03-31T23:59:59Z'],
    ['Europe/Stockholm', '2027-01-29', '2027-01-29T22:59:59Z'],
    ['Europe/Stockholm', '2027-06-30', '2027-06-30T21:59:59Z'],
    // DST switch days: spring forward (23-hour day) and fall back (25-hour day).
    ['Europe/Stockholm', '2027-03-28', '2027-03-28T21:59:59Z'],
    ['Europe/Stockholm', '2026-10-25', '2026-10-25T22:59:59Z'],
    ['America/New_York', '2027-03-14', '2027-03-15T03:59:59Z'],
    ['America/New_York', '2026-11-01', '2026-11-02T04:59:59Z'],
  ])('in %s an offboarded date of %s ends at %s', (timeZone, offboardedDate, expected) => {
    expect(mapHrToGraph(hrEmployee({ offboardedDate }), { timeZone }).properties.employeeLeaveDateTime).toBe(expected);
  });

  it('writes dates as YYYY-MM-DDTHH:mm:ssZ, without milliseconds or an offset', () => {
    const { properties } = mapHrToGraph(hrEmployee({ offboardedDate: '2027-01-29' }), stockholm);
    expect(properties.employeeHireDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(properties.employeeLeaveDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

describe('mapHrToGraph: missing and cleared HR values', () => {
  const bare = HrEmployee.parse({ id: 'emp_9', version: 1 });

  it('clears every clearable property with null and businessPhones with an empty list', () => {
    const { properties } = mapHrToGraph(bare, utc);
    expect(properties).toEqual({
      givenName: null,
      surname: null,
      streetAddress: null,
      postalCode: null,
      city: null,
      country: null,
      jobTitle: null,
      companyName: null,
      officeLocation: null,
      department: null,
      employeeHireDate: null,
      employeeLeaveDateTime: null,
      businessPhones: [],
    });
  });

  it('omits displayName, mailNickname and mail when HR has no value, so the last value stays', () => {
    const { properties, userPrincipalName, managerEmployeeId } = mapHrToGraph(bare, utc);
    expect(properties).not.toHaveProperty('displayName');
    expect(properties).not.toHaveProperty('mailNickname');
    expect(properties).not.toHaveProperty('mail');
    expect(userPrincipalName).toBeNull();
    expect(managerEmployeeId).toBeNull();
  });

  it('treats empty strings from HR as cleared values', () => {
    const { properties } = mapHrToGraph(
      hrEmployee({ title: '', workPhone: '  ', homeAddress: { street: '', zipCode: '', city: '', country: '' } }),
      utc,
    );
    expect(properties).toMatchObject({
      jobTitle: null,
      businessPhones: [],
      streetAddress: null,
      postalCode: null,
      city: null,
      country: null,
    });
  });

  it('builds displayName from the one name HR has', () => {
    expect(mapHrToGraph(hrEmployee({ firstName: null }), utc).properties.displayName).toBe('Lovelace');
    expect(mapHrToGraph(hrEmployee({ lastName: '' }), utc).properties.displayName).toBe('Ada');
  });

  it('falls back to the work-email alias for mailNickname when the names have no ASCII spelling', () => {
    const ivan = hrEmployee({ firstName: 'Иван', lastName: 'Петров', workEmail: 'ivan.petrov@contoso.com' });
    const { properties } = mapHrToGraph(ivan, utc);
    expect(properties.mailNickname).toBe('ivan.petrov');
    expect(properties.displayName).toBe('Иван Петров');
  });
});

describe('mapHrToGraph: Graph length limits', () => {
  it('truncates values longer than Graph allows', () => {
    // Not reachable through the HR schema (its limits are Graph's), but the mapping must not send what Graph refuses.
    const employee: HrEmployee = { ...hrEmployee(), organization: 'C'.repeat(80), workPhone: '1'.repeat(70) };
    const { properties } = mapHrToGraph(employee, utc);
    expect(properties.companyName).toHaveLength(64);
    expect(properties.businessPhones).toEqual(['1'.repeat(64)]);
  });
});

describe('toNewGraphUser', () => {
  it('builds the create body without cleared properties', () => {
    const desired = mapHrToGraph(hrEmployee({ title: null, workPhone: null, hireDate: null }), utc);
    const body = toNewGraphUser(desired);
    expect(body).toEqual({
      userPrincipalName: 'ada@contoso.com',
      displayName: 'Ada Lovelace',
      mailNickname: 'ada.lovelace',
      mail: 'ada@contoso.com',
      givenName: 'Ada',
      surname: 'Lovelace',
      streetAddress: 'Storgatan 1',
      postalCode: '111 22',
      city: 'Stockholm',
      country: 'SE',
      companyName: 'Contoso AB',
      officeLocation: 'Stockholm',
      department: 'R&D',
    });
  });

  it('gives null when there is no work email to create the user with', () => {
    expect(toNewGraphUser(mapHrToGraph(hrEmployee({ workEmail: null }), utc))).toBeNull();
  });

  it('gives null when there is no name for displayName', () => {
    expect(toNewGraphUser(mapHrToGraph(hrEmployee({ firstName: null, lastName: null }), utc))).toBeNull();
  });

  it('produces values the Entra client accepts as they are', () => {
    // Compile-time check: the domain types fit the EntraDirectory contract without casts.
    const desired = mapHrToGraph(HrEmployee.parse(adaInput), utc);
    const fields: GraphUserProperties = desired.properties;
    const body = toNewGraphUser(desired);
    const created: NewGraphUser | null = body;
    expect(fields.displayName).toBe('Ada Lovelace');
    expect(created?.userPrincipalName).toBe('ada@contoso.com');
  });
});
