import { randomBytes } from 'node:crypto';
import type { HrEmployee } from '../../domain/hr-employee';
import type { Company } from '../../store/companies';
import { ensureCompany } from '../../store/companies';
import type { Db } from '../../store/db';

/** A company of its own for one test, so tests sharing a database do not see each other's rows. */
export async function freshCompany(db: Db, name = 'Contoso AB'): Promise<Company> {
  return ensureCompany(db, { id: `co_${randomBytes(5).toString('hex')}`, name });
}

/** An HR snapshot as the webhook schema produces it (every field present, missing ones null). */
export function hrEmployee(overrides: Partial<HrEmployee> & Pick<HrEmployee, 'id' | 'version'>): HrEmployee {
  return {
    firstName: 'Ada',
    lastName: 'Lovelace',
    workEmail: 'ada@contoso.com',
    title: 'Engineer',
    department: 'R&D',
    organization: 'Contoso AB',
    office: 'Stockholm',
    workPhone: '+46701234567',
    reportsTo: null,
    homeAddress: { street: 'Storgatan 1', zipCode: '111 22', city: 'Stockholm', country: 'SE' },
    hireDate: '2026-12-01',
    offboardedDate: null,
    ...overrides,
  };
}
