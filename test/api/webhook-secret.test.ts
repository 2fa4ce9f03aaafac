/** The webhook secret source: one company read per second per process, a changed secret used within that second. */
import { eq } from 'drizzle-orm';
import { webhookSecretSource, webhookSecretTtlMs } from '../../api/hr-webhook/webhook-secret';
import { ensureCompany } from '../../store/companies';
import { companies } from '../../store/schema';
import { describeEachDatabase } from '../helpers/databases';

describeEachDatabase('the webhook secret source', (getDb) => {
  it('uses a changed secret once the last read is a second old, and the remembered one before', async () => {
    const db = getDb();
    await ensureCompany(db, { id: 'co_rotating', name: 'Rotating', webhookSecret: 'whsec_old' });
    let clock = 1_000_000;
    const secretFor = webhookSecretSource({ db, config: {} }, { now: () => clock });
    expect(await secretFor('co_rotating')).toBe('whsec_old');

    await db.update(companies).set({ webhookSecret: 'whsec_new' }).where(eq(companies.id, 'co_rotating'));
    clock += webhookSecretTtlMs - 1;
    expect(await secretFor('co_rotating')).toBe('whsec_old');
    clock += 1;
    expect(await secretFor('co_rotating')).toBe('whsec_new');
  });

  it('knows a company created after it was asked for within a second, and falls back to WEBHOOK_SECRET for default', async () => {
    const db = getDb();
    let clock = 1_000_000;
    const secretFor = webhookSecretSource({ db, config: { WEBHOOK_SECRET: 'whsec_env' } }, { now: () => clock });
    expect(await secretFor('co_later')).toBeNull();
    await ensureCompany(db, { id: 'co_later', name: 'Later', webhookSecret: 'whsec_later' });
    clock += webhookSecretTtlMs;
    expect(await secretFor('co_later')).toBe('whsec_later');
    await ensureCompany(db, { id: 'default', name: 'Default' });
    expect(await secretFor('default')).toBe('whsec_env');
  });
});
