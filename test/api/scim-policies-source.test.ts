/** The SCIM writes' company policies: one company read per second per process, a changed policy used after it. */
import { companyPoliciesSource, scimPoliciesTtlMs } from '../../api/scim/context';
import { defaultCompanyPolicies, storedCompanyPolicies } from '../../domain/policies';
import { ensureCompany, setCompanyPolicies } from '../../store/companies';
import { describeEachDatabase } from '../helpers/databases';

describeEachDatabase('the SCIM policies source', (getDb) => {
  it('uses a changed policy once the last read is a second old, the remembered one before, and defaults for none', async () => {
    const db = getDb();
    await ensureCompany(db, { id: 'co_policies', name: 'Policies' });
    let clock = 1_000_000;
    const policiesOf = companyPoliciesSource(db, { now: () => clock });
    expect((await policiesOf('co_policies')).scimDeletedUserRetentionDays ?? null).toBeNull();

    await setCompanyPolicies(db, 'co_policies', { ...defaultCompanyPolicies, scimDeletedUserRetentionDays: 30 });
    clock += scimPoliciesTtlMs - 1;
    expect((await policiesOf('co_policies')).scimDeletedUserRetentionDays ?? null).toBeNull();
    clock += 1;
    expect((await policiesOf('co_policies')).scimDeletedUserRetentionDays).toBe(30);
    expect(await policiesOf('co_unknown')).toEqual(storedCompanyPolicies(undefined));
  });
});
