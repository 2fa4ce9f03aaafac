import type { Logger } from 'pino';
import { isEntraObjectId } from '../../domain/scim/user';
import type { Db } from '../../store/db';
import { findEmployeesByWorkEmail, getEmployee, setEmployeeEntraObjectId } from '../../store/employees';
import { setScimUserEmployee, type ScimUserRow } from '../../store/scim-users';

/** The outcome of linking a SCIM user: its employee (if any) and an object id to hand to that employee's workflow. */
export interface EmployeeLink {
  employeeId: string | null;
  handOff?: { employeeId: string; entraObjectId: string };
}

const looksLikeEmail = (s: string) => /^[^@\s]+@[^@\s]+$/.test(s);

/**
 * Links a SCIM user to the HR employee with the same work email (its work email, else its userName when that is an
 * address); ambiguous matches are left unlinked and logged. When the user's externalId is an Entra object id and the
 * employee has none yet, the object id is stored on the employee so HR → Entra links that user instead of creating a
 * second one; the caller then signals the employee workflow. Runs inside the SCIM write's transaction. Idempotent.
 */
export async function linkEmployee(
  tx: Db,
  companyId: string,
  user: ScimUserRow,
  linkEmail: string | null,
  logger: Logger,
): Promise<EmployeeLink> {
  let employeeId = user.employeeId;
  if (employeeId === null) {
    const byUserName = looksLikeEmail(user.userName) ? user.userName : null;
    const addresses = [linkEmail, byUserName?.toLowerCase() === linkEmail?.toLowerCase() ? null : byUserName];
    for (const address of addresses) {
      if (address === null) continue;
      const matches = await findEmployeesByWorkEmail(tx, companyId, address);
      if (matches.length === 1) {
        employeeId = matches[0]!.id;
        break;
      }
      if (matches.length > 1) {
        logger.warn(
          { companyId, scimUserId: user.id, employees: matches.map((m) => m.id) },
          'several HR employees share the address; not linking',
        );
        break;
      }
    }
    if (employeeId === null) return { employeeId: null };
    await setScimUserEmployee(tx, companyId, user.id, employeeId);
  }
  if (!isEntraObjectId(user.externalId)) return { employeeId };
  const employee = await getEmployee(tx, companyId, employeeId);
  if (employee === null || employee.entraObjectId === user.externalId) return { employeeId };
  if (employee.entraObjectId !== null) {
    logger.warn(
      { companyId, employeeId, scimUserId: user.id },
      'the employee is already linked to another Entra object; keeping that link',
    );
    return { employeeId };
  }
  const result = await setEmployeeEntraObjectId(tx, companyId, employeeId, user.externalId);
  if (result.status !== 'set') {
    logger.warn(
      { companyId, employeeId, scimUserId: user.id, result },
      'could not hand the Entra object id to the employee',
    );
    return { employeeId };
  }
  return { employeeId, handOff: { employeeId, entraObjectId: user.externalId } };
}
