import { sql } from 'drizzle-orm';
import { companies } from '../../store/schema';
import { isUniqueViolation } from '../../store/pg-errors';
import { defaultCompanyPolicies } from '../../domain/policies';
import { describeEachDatabase } from '../helpers/databases';
import { selectRows } from '../../store/db';

describeEachDatabase('an opened database', (getDb) => {
  it('has every table of the schema after opening', async () => {
    const rows = await selectRows<{ table_name: string }>(
      getDb(),
      sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'access_tokens',
      'companies',
      'employees',
      'scim_group_members',
      'scim_groups',
      'scim_users',
      'webhook_events',
    ]);
  });

  it('reports a duplicate primary key as a unique violation naming its constraint', async () => {
    const db = getDb();
    const row = { id: 'dup', name: 'Dup', policies: defaultCompanyPolicies };
    await db.insert(companies).values(row);
    const error = await db
      .insert(companies)
      .values(row)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation(error, 'companies_pkey')).toBe(true);
    expect(isUniqueViolation(error, 'another_constraint')).toBe(false);
  });
});
