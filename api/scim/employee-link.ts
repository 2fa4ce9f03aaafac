import type { Logger } from 'pino';
import { isEntraObjectId } from '../../domain/scim/user';
import type { Db } from '../../store/db';
import { findEmployeesByWorkEmail, setEmployeeEntraObjectId } from '../../store/employees';

/** What a SCIM write knows of the employee its user is linked to, or is being linked to. */
export interface LinkedEmployee {
  id: string;
  entraObjectId: string | null;
}

const looksLikeEmail = (s: string) => /^[^@\s]+@[^@\s]+$/.test(s);

/**
 * The addresses a SCIM user is linked to the HR employee with the same work email by, in order: its work email (else
 * its primary or first email, `UserKeys.linkEmail`), then its userName when that is another address.
 */
export function linkAddresses(userName: string, linkEmail: string | null): string[] {
  const byUserName = looksLikeEmail(userName) && userName.toLowerCase() !== linkEmail?.toLowerCase() ? userName : null;
  return [linkEmail, byUserName].filter((address) => address !== null);
}

/**
 * The employee an unlinked SCIM user belongs to: the only one whose work email is the user's first address that
 * any employee has ({@link linkAddresses}). Several employees with that address leave the user unlinked (logged).
 */
export async function findEmployeeToLink(
  db: Db,
  companyId: string,
  scimUserId: string,
  addresses: readonly string[],
  logger: Logger,
): Promise<LinkedEmployee | null> {
  for (const address of addresses) {
    const matches = await findEmployeesByWorkEmail(db, companyId, address);
    if (matches.length === 1) return { id: matches[0]!.id, entraObjectId: matches[0]!.entraObjectId };
    if (matches.length > 1) {
      logger.warn(
        { companyId, scimUserId, employees: matches.map((m) => m.id) },
        'several HR employees share the address; not linking',
      );
      return null;
    }
  }
  return null;
}

/**
 * The Entra object id a SCIM write hands to the user's employee: its externalId, when that is an Entra object id and
 * the employee has none yet, so that HR → Entra links that user instead of creating a second one. An employee linked
 * to another object keeps it (logged).
 */
export function entraObjectIdToHandOff(
  companyId: string,
  scimUserId: string,
  employee: LinkedEmployee | null,
  externalId: string | null,
  logger: Logger,
): string | null {
  if (employee === null || !isEntraObjectId(externalId) || employee.entraObjectId === externalId) return null;
  if (employee.entraObjectId !== null) {
    logger.warn(
      { companyId, employeeId: employee.id, scimUserId },
      'the employee is already linked to another Entra object; keeping that link',
    );
    return null;
  }
  return externalId;
}

/**
 * Stores a handed-off Entra object id on the employee, inside the SCIM write's transaction; the caller then signals
 * the employee's workflow.
 * @returns false when it could not be stored (another employee has the object id, or the employee is gone; logged)
 */
export async function handOffEntraObjectId(
  tx: Db,
  companyId: string,
  scimUserId: string,
  employeeId: string,
  entraObjectId: string,
  logger: Logger,
): Promise<boolean> {
  const result = await setEmployeeEntraObjectId(tx, companyId, employeeId, entraObjectId);
  if (result.status === 'set') return true;
  logger.warn({ companyId, employeeId, scimUserId, result }, 'could not hand the Entra object id to the employee');
  return false;
}
