import type { SQL } from 'drizzle-orm';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../store/db';
import { selectRows } from '../../store/db';
import { isUniqueViolation } from '../../store/pg-errors';
import { scimGroupMembers, scimGroups, scimUsers } from '../../store/schema';
import { describeEachDatabase } from '../helpers/databases';
import { freshCompany } from './fixtures';

async function addUser(
  db: Db,
  companyId: string,
  userName: string,
  extra: Partial<typeof scimUsers.$inferInsert> = {},
) {
  const [row] = await db
    .insert(scimUsers)
    .values({ companyId, userName, resource: { userName }, ...extra })
    .returning();
  return row!;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  );
}

/** The plan PostgreSQL picks for `query` when sequential scans are off: shows whether an index can serve it. */
async function planOf(db: Db, query: SQL): Promise<string> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    const rows = await selectRows<{ 'QUERY PLAN': string }>(tx, sql`explain ${query}`);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

describeEachDatabase('the SCIM tables', (getDb) => {
  it('gives a new user an id, version 1, active, and creation times', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const user = await addUser(db, company.id, 'ada@contoso.com');
    expect(user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(user).toMatchObject({ version: 1, active: true, employeeId: null });
    expect(user.createdAt).toBeInstanceOf(Date);
  });

  it('refuses a second user whose userName differs only in case, but allows it in another company', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const other = await freshCompany(db);
    await addUser(db, company.id, 'Ada@Contoso.com');

    const error = await failure(addUser(db, company.id, 'ada@CONTOSO.COM'));

    expect(isUniqueViolation(error, 'scim_users_company_user_name_key')).toBe(true);
    await expect(addUser(db, other.id, 'ada@contoso.com')).resolves.toMatchObject({ userName: 'ada@contoso.com' });
  });

  it('refuses a second group whose displayName differs only in case', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    await db.insert(scimGroups).values({ companyId: company.id, displayName: 'Engineering' });

    const error = await failure(db.insert(scimGroups).values({ companyId: company.id, displayName: 'ENGINEERING' }));

    expect(isUniqueViolation(error, 'scim_groups_company_display_name_key')).toBe(true);
  });

  it('removes memberships when a user or a group is deleted', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const ada = await addUser(db, company.id, 'ada@contoso.com');
    const grace = await addUser(db, company.id, 'grace@contoso.com');
    const [engineering] = await db
      .insert(scimGroups)
      .values({ companyId: company.id, displayName: 'Engineering' })
      .returning();
    const [admins] = await db.insert(scimGroups).values({ companyId: company.id, displayName: 'Admins' }).returning();
    await db.insert(scimGroupMembers).values([
      { groupId: engineering!.id, userId: ada.id },
      { groupId: engineering!.id, userId: grace.id },
      { groupId: admins!.id, userId: ada.id },
    ]);

    await db.delete(scimUsers).where(eq(scimUsers.id, ada.id));
    const afterUser = await db.select().from(scimGroupMembers).where(eq(scimGroupMembers.userId, ada.id));
    await db.delete(scimGroups).where(eq(scimGroups.id, engineering!.id));
    const afterGroup = await db.select().from(scimGroupMembers).where(eq(scimGroupMembers.userId, grace.id));

    expect(afterUser).toEqual([]);
    expect(afterGroup).toEqual([]);
  });

  it('refuses the same member twice in a group', async () => {
    const db = getDb();
    const company = await freshCompany(db);
    const ada = await addUser(db, company.id, 'ada@contoso.com');
    const [group] = await db.insert(scimGroups).values({ companyId: company.id, displayName: 'Team' }).returning();
    await db.insert(scimGroupMembers).values({ groupId: group!.id, userId: ada.id });

    const error = await failure(db.insert(scimGroupMembers).values({ groupId: group!.id, userId: ada.id }));

    expect(isUniqueViolation(error, 'scim_group_members_pkey')).toBe(true);
  });

  describe('with many users', () => {
    let companyId: string;

    beforeAll(async () => {
      const db = getDb();
      companyId = (await freshCompany(db)).id;
      await db.insert(scimUsers).values(
        Array.from({ length: 500 }, (_, i) => ({
          companyId,
          userName: `User${i}@Contoso.com`,
          externalId: `ext-${i}`,
          workEmail: `User${i}@Contoso.com`,
          displayName: `User ${i}`,
          employeeId: `emp_${i}`,
          resource: {},
        })),
      );
      await db.execute(sql`analyze scim_users`);
    });

    it.each([
      // The unique index covers live users only (deleted ones wait for their purge); SCIM reads always say so.
      [
        'userName',
        sql`lower(${scimUsers.userName}) = lower('user7@contoso.com') and ${scimUsers.deletedAt} is null`,
        'scim_users_company_user_name_key',
      ],
      ['externalId', sql`${scimUsers.externalId} = 'ext-7'`, 'scim_users_company_external_id_idx'],
      [
        'the work email',
        sql`lower(${scimUsers.workEmail}) = lower('USER7@contoso.com')`,
        'scim_users_company_work_email_idx',
      ],
      ['displayName', sql`lower(${scimUsers.displayName}) = lower('user 7')`, 'scim_users_company_display_name_idx'],
    ])('serves a filter on %s of one company from its index', async (_attribute, condition, indexName) => {
      const db = getDb();
      const query = sql`select id from scim_users where company_id = ${companyId} and ${condition}`;
      const rows = await selectRows<{ id: string }>(db, query);
      expect(rows).toHaveLength(1);
      expect(await planOf(db, query)).toContain(indexName);
    });
  });
});
