import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import {
  accessTokenPrefix,
  createAccessToken,
  listAccessTokens,
  revokeAccessToken,
  verifyAccessToken,
} from '../../store/access-tokens';
import { selectRows } from '../../store/db';
import { isForeignKeyViolation } from '../../store/pg-errors';
import { accessTokens } from '../../store/schema';
import { describeEachDatabase } from '../helpers/databases';
import { freshCompany } from './fixtures';

describeEachDatabase('access tokens', (getDb) => {
  it('creates a recognisable token with 256 bits of randomness and shows it only in the result', async () => {
    const db = getDb();
    const company = await freshCompany(db);

    const { token, accessToken } = await createAccessToken(db, {
      companyId: company.id,
      name: 'Entra provisioning',
      description: 'SCIM secret token for the enterprise app',
    });
    const another = await createAccessToken(db, { companyId: company.id, name: 'Second' });

    expect(token).toMatch(/^jnr_[A-Za-z0-9_-]{43}$/);
    expect(another.token).not.toBe(token);
    expect(accessToken).toMatchObject({
      companyId: company.id,
      name: 'Entra provisioning',
      description: 'SCIM secret token for the enterprise app',
      displayPrefix: token.slice(0, 8),
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(accessToken).not.toHaveProperty('tokenHash');
  });

  it('never stores the plaintext token, only its SHA-256 hash', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const { token, accessToken } = await createAccessToken(db, { companyId: company.id, name: 'Entra' });

    const [row] = await db.select().from(accessTokens).where(eq(accessTokens.id, accessToken.id));
    const everyValue = await selectRows<{ text: string }>(
      db,
      sql`select t::text as text from access_tokens t where t.id = ${accessToken.id}`,
    );

    expect(row?.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(everyValue[0]?.text).not.toContain(token);
    expect(everyValue[0]?.text).not.toContain(token.slice(12));
  });

  it('lists a company’s tokens newest first, without the token or its hash', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const other = await freshCompany(db);
    const first = await createAccessToken(db, { companyId: company.id, name: 'first' });
    const second = await createAccessToken(db, { companyId: company.id, name: 'second' });
    await createAccessToken(db, { companyId: other.id, name: 'elsewhere' });

    const listed = await listAccessTokens(db, company.id);

    expect(listed.map((t) => t.name)).toEqual(['second', 'first']);
    for (const info of listed) {
      expect(Object.keys(info).sort()).toEqual(
        ['companyId', 'createdAt', 'description', 'displayPrefix', 'id', 'lastUsedAt', 'name', 'revokedAt'].sort(),
      );
    }
    expect(JSON.stringify(listed)).not.toContain(first.token);
    expect(JSON.stringify(listed)).not.toContain(second.token);
  });

  it('verifies a token to its company and records when it was last used', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const { token, accessToken } = await createAccessToken(db, { companyId: company.id, name: 'Entra' });

    await expect(verifyAccessToken(db, token)).resolves.toEqual({ companyId: company.id, tokenId: accessToken.id });

    const [listed] = await listAccessTokens(db, company.id);
    expect(listed?.lastUsedAt).toBeInstanceOf(Date);
  });

  it('writes the last use at most once a minute', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const { token, accessToken } = await createAccessToken(db, { companyId: company.id, name: 'Entra' });
    const lastUsed = async () => (await listAccessTokens(db, company.id))[0]?.lastUsedAt;

    await verifyAccessToken(db, token);
    const firstUse = await lastUsed();
    await verifyAccessToken(db, token);
    expect(await lastUsed()).toEqual(firstUse);

    await db
      .update(accessTokens)
      .set({ lastUsedAt: sql`now() - interval '61 seconds'` })
      .where(eq(accessTokens.id, accessToken.id));
    const aMinuteAgo = await lastUsed();
    await verifyAccessToken(db, token);
    expect((await lastUsed())!.getTime()).toBeGreaterThan(aMinuteAgo!.getTime());
  });

  it('rejects unknown, altered and foreign-looking tokens', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const { token } = await createAccessToken(db, { companyId: company.id, name: 'Entra' });
    const altered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');

    await expect(verifyAccessToken(db, altered)).resolves.toBeNull();
    await expect(verifyAccessToken(db, `${accessTokenPrefix}${'x'.repeat(43)}`)).resolves.toBeNull();
    await expect(verifyAccessToken(db, 'Bearer something')).resolves.toBeNull();
    await expect(verifyAccessToken(db, '')).resolves.toBeNull();
    await expect(verifyAccessToken(db, `${token}${'x'.repeat(200)}`)).resolves.toBeNull();
  });

  it('stops verifying a token once it is revoked, and revoking again changes nothing', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const { token, accessToken } = await createAccessToken(db, { companyId: company.id, name: 'Entra' });
    const kept = await createAccessToken(db, { companyId: company.id, name: 'Kept' });

    await expect(revokeAccessToken(db, company.id, accessToken.id)).resolves.toBe(true);
    await expect(revokeAccessToken(db, company.id, accessToken.id)).resolves.toBe(false);

    await expect(verifyAccessToken(db, token)).resolves.toBeNull();
    await expect(verifyAccessToken(db, kept.token)).resolves.toMatchObject({ companyId: company.id });
    const revoked = (await listAccessTokens(db, company.id)).find((t) => t.id === accessToken.id);
    expect(revoked?.revokedAt).toBeInstanceOf(Date);
  });

  it('does not let one company revoke another company’s token, nor choke on a malformed id', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const other = await freshCompany(db);
    const { token, accessToken } = await createAccessToken(db, { companyId: company.id, name: 'Entra' });

    await expect(revokeAccessToken(db, other.id, accessToken.id)).resolves.toBe(false);
    await expect(revokeAccessToken(db, company.id, 'not-a-uuid')).resolves.toBe(false);
    await expect(verifyAccessToken(db, token)).resolves.toMatchObject({ companyId: company.id });
  });

  it('refuses a token for a company that does not exist', async () => {
    const db = getDb();
    const error = await createAccessToken(db, { companyId: 'no-such-company', name: 'x' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isForeignKeyViolation(error)).toBe(true);
  });
});
