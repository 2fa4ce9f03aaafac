import { endOfDayMs, startOfDayMs, toGraphDateTime } from './company-time';
import type { GraphUserProperties, ManagedGraphProperty } from './graph-user';
import { BUSINESS_PHONE_MAX_LENGTH, GRAPH_MAX_LENGTH } from './graph-user';
import type { HrEmployee } from './hr-employee';
import { mailNicknameFromEmail, mailNicknameFromName } from './mail-nickname';
import type { CompanyPolicies } from './policies';

/**
 * The HR → Graph mapping (the field table of docs/mapping.md). Pure: safe in workflow code.
 */

/** What Graph should hold for one employee, derived from the HR snapshot alone. */
export interface DesiredGraphUser {
  /**
   * Every clearable property (a value or `null` to clear) and businessPhones (`[]` to clear). displayName, mail and
   * mailNickname are omitted when HR has no value for them: Graph cannot clear them, so the last value stays.
   */
  properties: GraphUserProperties;
  /** The userPrincipalName to create the user with (the work email); never changed after creation. */
  userPrincipalName: string | null;
  /** The HR id of the desired manager (`reportsTo`); the lifecycle resolves it to an Entra object id. */
  managerEmployeeId: string | null;
}

/** Cuts `text` to `max` UTF-16 units without splitting a surrogate pair. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/**
 * The desired Graph state for an HR snapshot. Rules: givenName/surname from the names; displayName "first last"
 * (one of them alone if the other is missing); mailNickname `first.last` folded to ASCII (see `mail-nickname.ts`),
 * else the work-email alias; mail and, at creation, userPrincipalName from the work email; the home address to
 * streetAddress/postalCode/city/country; title/organization/office/department to jobTitle/companyName/
 * officeLocation/department; the work phone as the one businessPhones entry; the hire date as the start of that day
 * and the offboarded date as 23:59:59 that day, both in the company time zone, as UTC `…Z`.
 *
 * Values longer than Graph's limits are truncated rather than refused, so one overlong field never blocks the rest
 * of the employee. (HR values that passed
 * the `HrEmployee` schema never need it: its limits are Graph's.)
 */
export function mapHrToGraph(employee: HrEmployee, policies: Pick<CompanyPolicies, 'timeZone'>): DesiredGraphUser {
  const fit = <K extends Exclude<ManagedGraphProperty, 'businessPhones'>>(property: K, value: string): string => {
    const max = GRAPH_MAX_LENGTH[property];
    return value.length <= max ? value : truncate(value, max);
  };
  const clearable = <K extends Exclude<ManagedGraphProperty, 'businessPhones'>>(property: K, value: string | null) =>
    value === null ? null : fit(property, value);

  const { firstName, lastName, workEmail, homeAddress } = employee;
  const properties: GraphUserProperties = {
    givenName: clearable('givenName', firstName),
    surname: clearable('surname', lastName),
    streetAddress: clearable('streetAddress', homeAddress?.street ?? null),
    postalCode: clearable('postalCode', homeAddress?.zipCode ?? null),
    city: clearable('city', homeAddress?.city ?? null),
    country: clearable('country', homeAddress?.country ?? null),
    jobTitle: clearable('jobTitle', employee.title),
    companyName: clearable('companyName', employee.organization),
    officeLocation: clearable('officeLocation', employee.office),
    department: clearable('department', employee.department),
    employeeHireDate:
      employee.hireDate === null ? null : toGraphDateTime(startOfDayMs(employee.hireDate, policies.timeZone)),
    employeeLeaveDateTime:
      employee.offboardedDate === null ? null : toGraphDateTime(endOfDayMs(employee.offboardedDate, policies.timeZone)),
    businessPhones: employee.workPhone === null ? [] : [employee.workPhone],
  };
  if (employee.workPhone !== null && employee.workPhone.length > BUSINESS_PHONE_MAX_LENGTH) {
    properties.businessPhones = [truncate(employee.workPhone, BUSINESS_PHONE_MAX_LENGTH)];
  }

  const displayName = [firstName, lastName].filter((n) => n !== null).join(' ');
  if (displayName !== '') properties.displayName = fit('displayName', displayName);
  const mailNickname = mailNicknameFromName(firstName, lastName) ?? mailNicknameFromEmail(workEmail);
  if (mailNickname !== null) properties.mailNickname = mailNickname;
  if (workEmail !== null) properties.mail = fit('mail', workEmail);

  return {
    properties,
    userPrincipalName: workEmail,
    managerEmployeeId: employee.reportsTo,
  };
}

/** The body of a create (`POST /users`). The password is generated inside the Entra client, never passed. */
export type NewGraphUser = GraphUserProperties & {
  userPrincipalName: string;
  displayName: string;
  mailNickname: string;
};

/**
 * The create body for a desired state: cleared (`null`) properties and an empty businessPhones are left out, since a
 * new user has none. Returns `null` when the state lacks what a create needs (userPrincipalName, displayName,
 * mailNickname); `checkCreationEligibility` (creation-eligibility.ts) gives the reason.
 * After a successful create, record `desired.properties` (nulls included) as the last pushed state.
 */
export function toNewGraphUser(desired: DesiredGraphUser): NewGraphUser | null {
  const { userPrincipalName } = desired;
  const { displayName, mailNickname } = desired.properties;
  if (userPrincipalName === null || displayName === undefined || mailNickname === undefined) return null;
  const body: NewGraphUser = { userPrincipalName, displayName, mailNickname };
  for (const [key, value] of Object.entries(desired.properties) as [keyof GraphUserProperties, unknown][]) {
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    (body as Record<string, unknown>)[key] = value;
  }
  return body;
}
