import { HrEmployee } from '../../domain/hr-employee';

/** The employee of the webhook example (docs/hr-webhook.md), as HR sends it. */
export const adaInput = {
  id: 'emp_123',
  version: 7,
  firstName: 'Ada',
  lastName: 'Lovelace',
  workEmail: 'ada@contoso.com',
  title: 'Engineer',
  department: 'R&D',
  organization: 'Contoso AB',
  office: 'Stockholm',
  workPhone: '+46701234567',
  reportsTo: 'emp_001',
  homeAddress: { street: 'Storgatan 1', zipCode: '111 22', city: 'Stockholm', country: 'SE' },
  hireDate: '2026-12-01',
  offboardedDate: null,
};

/** A parsed HR snapshot: Ada with `changes` applied to the raw HR payload first. */
export function hrEmployee(changes: Record<string, unknown> = {}): HrEmployee {
  return HrEmployee.parse({ ...adaInput, ...changes });
}
