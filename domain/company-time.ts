import { DateTime } from 'luxon';

import type { HrEmployee } from './hr-employee';
import type { CompanyPolicies } from './policies';

/**
 * Calendar rules (docs/mapping.md, Lifecycle policies): HR dates are days in the company's time zone, Graph wants UTC instants,
 * timers want epoch milliseconds. Pure (luxon reads only the time zone database): safe in workflow code, where the
 * results become durable timers.
 */

/** Day arithmetic and day boundaries happen in the company's calendar, so DST days are 23 or 25 hours long. */
function dayInZone(isoDate: string, timeZone: string): DateTime {
  const day = DateTime.fromISO(isoDate, { zone: timeZone });
  if (!day.isValid) {
    // Unreachable for parsed input: HrEmployee refuses bad dates and CompanyPolicies refuses unknown zones.
    throw new RangeError(`cannot place ${isoDate} in time zone ${timeZone}: ${day.invalidExplanation ?? 'invalid'}`);
  }
  return day;
}

/**
 * The first instant of `isoDate` in `timeZone`, as epoch milliseconds. Usually local midnight; on a day whose
 * midnight does not exist (a DST change at 00:00, as in America/Santiago) it is the first local time that does.
 */
export function startOfDayMs(isoDate: string, timeZone: string): number {
  return dayInZone(isoDate, timeZone).startOf('day').toMillis();
}

/** 23:59:59 (whole seconds) on `isoDate` in `timeZone`, as epoch milliseconds. */
export function endOfDayMs(isoDate: string, timeZone: string): number {
  return dayInZone(isoDate, timeZone).set({ hour: 23, minute: 59, second: 59, millisecond: 0 }).toMillis();
}

/** An instant as Graph's `Edm.DateTimeOffset` in UTC without milliseconds: `YYYY-MM-DDTHH:mm:ssZ`. */
export function toGraphDateTime(epochMs: number): string {
  return DateTime.fromMillis(epochMs, { zone: 'utc' }).toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");
}

/** The same calendar day moved by `days` (negative: earlier), as `YYYY-MM-DD`. */
export function addDays(isoDate: string, days: number): string {
  return DateTime.fromISO(isoDate, { zone: 'utc' }).plus({ days }).toISODate() ?? isoDate;
}

type TimeZonePolicy = Pick<CompanyPolicies, 'timeZone'>;

/** Start of the hire day in the company time zone (epoch ms), or `null` when HR has no hire date. */
export function hireDayStartMs(employee: Pick<HrEmployee, 'hireDate'>, policies: TimeZonePolicy): number | null {
  return employee.hireDate === null ? null : startOfDayMs(employee.hireDate, policies.timeZone);
}

/**
 * The leave moment: the end of the offboarded day (23:59:59) in the company time zone (epoch ms), or `null` when HR
 * has no offboarded date. It is the instant written to employeeLeaveDateTime and the one leaver timers wait for.
 */
export function leaveMomentMs(employee: Pick<HrEmployee, 'offboardedDate'>, policies: TimeZonePolicy): number | null {
  return employee.offboardedDate === null ? null : endOfDayMs(employee.offboardedDate, policies.timeZone);
}

/**
 * When the Entra user may be created under `provisionLeadDays`: the start of the day N calendar days before the hire
 * day, in the company time zone (epoch ms). `null` means "at once": no lead-time policy, or no hire date to count
 * from (a create needs no hire date, so a missing one never holds creation back).
 * A time in the past also means "at once"; the caller compares it with the workflow clock.
 */
export function provisionAtMs(
  employee: Pick<HrEmployee, 'hireDate'>,
  policies: Pick<CompanyPolicies, 'timeZone' | 'provisionLeadDays'>,
): number | null {
  if (policies.provisionLeadDays === null || employee.hireDate === null) return null;
  return startOfDayMs(addDays(employee.hireDate, -policies.provisionLeadDays), policies.timeZone);
}

/**
 * When the Entra user is deleted under `deleteAfterLeaveDays`: the leave moment moved N calendar days later in the
 * company time zone (epoch ms), or `null` when the policy is off or there is no offboarded date.
 */
export function deleteAtMs(
  employee: Pick<HrEmployee, 'offboardedDate'>,
  policies: Pick<CompanyPolicies, 'timeZone' | 'deleteAfterLeaveDays'>,
): number | null {
  if (policies.deleteAfterLeaveDays === null || employee.offboardedDate === null) return null;
  return endOfDayMs(addDays(employee.offboardedDate, policies.deleteAfterLeaveDays), policies.timeZone);
}
