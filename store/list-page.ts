import { asc, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Page } from '../domain/scim/paging';
import type { Db } from './db';

/** A page of a list and the number of matches in all pages. */
export interface ListPage<Row> {
  totalResults: number;
  rows: Row[];
}

/** A table listed oldest first: by creation time, then id, a stable order for 1-based paging. */
type CreatedTable = PgTable & { createdAt: PgColumn; id: PgColumn };

/**
 * One 1-based page (SCIM `startIndex`/`count`) of the rows of `table` matching `where`, oldest first. One query
 * answers both the page and the total (a window count); a page past the end costs a second count.
 */
export async function listPage<T extends CreatedTable>(
  db: Db,
  table: T,
  where: SQL,
  page: Page,
): Promise<ListPage<T['$inferSelect']>> {
  // Widened to a plain table: drizzle's select types cannot follow a generic table; the rows are cast back below.
  const source: PgTable = table;
  if (page.count > 0) {
    const rows = (await db
      .select({ row: source, total: sql<number>`count(*) over ()`.mapWith(Number) })
      .from(source)
      .where(where)
      .orderBy(asc(table.createdAt), asc(table.id))
      .limit(page.count)
      .offset(page.startIndex - 1)) as { row: T['$inferSelect']; total: number }[];
    if (rows.length > 0) return { totalResults: rows[0]!.total, rows: rows.map((r) => r.row) };
    if (page.startIndex === 1) return { totalResults: 0, rows: [] };
  }
  const [counted] = await db
    .select({ total: sql<number>`count(*)`.mapWith(Number) })
    .from(source)
    .where(where);
  return { totalResults: counted?.total ?? 0, rows: [] };
}
