/**
 * SCIM bearer tokens are verified with a one-second memory per process: a burst of requests costs one token read a
 * second, a revoked token stops working within a second, and `last_used_at` is written at most once a minute.
 */
import { eq, sql } from 'drizzle-orm';
import { AccessTokenVerifier, tokenVerificationTtlMs } from '../../api/scim/auth';
import { createAccessToken, listAccessTokens, revokeAccessToken } from '../../store/access-tokens';
import { accessTokens } from '../../store/schema';
import { describeEachDatabase } from '../helpers/databases';
import { freshCompany } from '../store/fixtures';

describeEachDatabase('the SCIM token verifier', (getDb) => {
  it('keeps accepting a revoked token for at most a second, then refuses it', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const { token, accessToken } = await createAccessToken(db, { companyId: company.id, name: 'Entra' });
    let clock = 1_000_000;
    const verifier = new AccessTokenVerifier(db, { now: () => clock });

    expect(await verifier.verify(token)).toEqual({ companyId: company.id, tokenId: accessToken.id });
    await revokeAccessToken(db, company.id, accessToken.id);
    clock += tokenVerificationTtlMs - 1;
    expect(await verifier.verify(token)).toEqual({ companyId: company.id, tokenId: accessToken.id });
    clock += 1;
    expect(await verifier.verify(token)).toBeNull();
    // A new verifier (another process) refuses it at once.
    expect(await new AccessTokenVerifier(db).verify(token)).toBeNull();
  });

  it('refuses at once a token revoked through this process, while it still trusts the token it verified', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const { token, accessToken } = await createAccessToken(db, { companyId: company.id, name: 'Entra' });
    const other = await createAccessToken(db, { companyId: company.id, name: 'Entra 2' });
    const clock = 1_000_000;
    const verifier = new AccessTokenVerifier(db, { now: () => clock });
    expect(await verifier.verify(token)).toMatchObject({ tokenId: accessToken.id });
    expect(await verifier.verify(other.token)).toMatchObject({ tokenId: other.accessToken.id });

    // As the console's and the admin API's Revoke do: the store first, then this process's verifier.
    await revokeAccessToken(db, company.id, accessToken.id);
    verifier.revoked(accessToken.id);
    expect(await verifier.verify(token)).toBeNull();
    expect(await verifier.verify(other.token)).toMatchObject({ tokenId: other.accessToken.id });
  });

  it('accepts a token made a moment after a refused attempt with it (refusals are not remembered)', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const verifier = new AccessTokenVerifier(db, { now: () => 5_000 });
    const { token } = await createAccessToken(db, { companyId: company.id, name: 'Entra' });
    await revokeAccessToken(db, company.id, (await listAccessTokens(db, company.id))[0]!.id);
    expect(await verifier.verify(token)).toBeNull();
    const fresh = await createAccessToken(db, { companyId: company.id, name: 'Entra 2' });
    expect(await verifier.verify(fresh.token)).toMatchObject({ companyId: company.id });
    expect(await verifier.verify('jnr_not-a-token')).toBeNull();
    expect(await verifier.verify('Bearer x')).toBeNull();
  });

  it('writes last_used_at at most once a minute per process, even when the database would allow it', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const { token, accessToken } = await createAccessToken(db, { companyId: company.id, name: 'Entra' });
    const lastUsed = async () => (await listAccessTokens(db, company.id))[0]?.lastUsedAt ?? null;
    const setLastUsed = (value: ReturnType<typeof sql>) =>
      db.update(accessTokens).set({ lastUsedAt: value }).where(eq(accessTokens.id, accessToken.id));
    let clock = 0;
    const verifier = new AccessTokenVerifier(db, { now: () => clock });

    await verifier.verify(token);
    expect(await lastUsed()).not.toBeNull();
    await setLastUsed(sql`now() - interval '2 minutes'`);
    const twoMinutesAgo = await lastUsed();

    clock += 30_000;
    await verifier.verify(token);
    expect(await lastUsed()).toEqual(twoMinutesAgo);

    clock += 30_000;
    await verifier.verify(token);
    expect((await lastUsed())!.getTime()).toBeGreaterThan(twoMinutesAgo!.getTime());
  });
});
