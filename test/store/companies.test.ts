import { defaultCompanyPolicies } from '../../domain/policies';
import {
  connectEntra,
  defaultCompanyId,
  disconnectEntra,
  ensureCompany,
  ensureDefaultCompany,
  getCompany,
  listCompanies,
  setCompanyPolicies,
} from '../../store/companies';
import { describeEachDatabase } from '../helpers/databases';
import { freshCompany } from './fixtures';

describeEachDatabase('companies', (getDb) => {
  it('creates the default company once, with default policies and Entra disconnected', async () => {
    const db = getDb();
    const first = await ensureDefaultCompany(db);
    const again = await ensureDefaultCompany(db, 'Another name');

    expect(first).toMatchObject({
      id: defaultCompanyId,
      name: 'Default company',
      policies: defaultCompanyPolicies,
      webhookSecret: null,
      entraStatus: 'disconnected',
      entraTenantId: null,
    });
    expect(again).toEqual(first);
  });

  it('keeps an existing company unchanged when it is ensured again', async () => {
    const db = getDb();
    await ensureCompany(db, { id: 'fabrikam', name: 'Fabrikam', webhookSecret: 'whsec_fabrikam' });
    const again = await ensureCompany(db, { id: 'fabrikam', name: 'Renamed', webhookSecret: 'other' });
    expect(again).toMatchObject({ id: 'fabrikam', name: 'Fabrikam', webhookSecret: 'whsec_fabrikam' });
  });

  it('returns null for a company that does not exist, and lists companies by id', async () => {
    const db = getDb();
    await ensureCompany(db, { id: 'zz-last', name: 'Last' });
    await ensureCompany(db, { id: 'aa-first', name: 'First' });

    await expect(getCompany(db, 'nope')).resolves.toBeNull();
    const ids = (await listCompanies(db)).map((c) => c.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining(['aa-first', 'zz-last']));
  });

  it('stores new policies and reads them back', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const policies = {
      timeZone: 'Europe/Stockholm',
      provisionLeadDays: 7,
      disableAccountAtLeave: true,
      revokeSessionsAtLeave: true,
      deleteAfterLeaveDays: 30,
    };

    const updated = await setCompanyPolicies(db, company.id, policies);

    expect(updated?.policies).toEqual(policies);
    expect((await getCompany(db, company.id))?.policies).toEqual(policies);
    expect(updated!.updatedAt.getTime()).toBeGreaterThanOrEqual(company.updatedAt.getTime());
    await expect(setCompanyPolicies(db, 'nope', policies)).resolves.toBeNull();
  });

  it('connects an Entra tenant, disconnects it keeping the tenant id, and reconnects', async () => {
    const db = getDb();
    const company = await freshCompany(db);

    const connected = await connectEntra(db, company.id, 'tenant-1');
    expect(connected).toMatchObject({ entraStatus: 'connected', entraTenantId: 'tenant-1' });
    expect(connected?.entraConnectedAt).toBeInstanceOf(Date);

    const disconnected = await disconnectEntra(db, company.id);
    expect(disconnected).toMatchObject({ entraStatus: 'disconnected', entraTenantId: 'tenant-1' });
    expect(disconnected?.entraDisconnectedAt).toBeInstanceOf(Date);
    const disconnectedAgain = await disconnectEntra(db, company.id);
    expect(disconnectedAgain?.entraDisconnectedAt).toEqual(disconnected?.entraDisconnectedAt);

    const reconnected = await connectEntra(db, company.id, 'tenant-2');
    expect(reconnected).toMatchObject({ entraStatus: 'connected', entraTenantId: 'tenant-2' });
    await expect(connectEntra(db, 'nope', 'tenant')).resolves.toBeNull();
    await expect(disconnectEntra(db, 'nope')).resolves.toBeNull();
  });
});
