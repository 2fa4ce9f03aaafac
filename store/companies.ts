import { and, asc, eq, sql } from 'drizzle-orm';
import type { CompanySettings } from '../domain/activity-contracts';
import type { CompanyPolicies } from '../domain/policies';
import { defaultCompanyPolicies, storedCompanyPolicies } from '../domain/policies';
import type { Db } from './db';
import { companies, EntraConnectionStatus } from './schema';

/** A company as stored: its policies, its webhook secret (other companies than the default) and its Entra link. */
export type Company = typeof companies.$inferSelect;

/** The company every single-tenant installation uses; its webhook secret is env WEBHOOK_SECRET. */
export const defaultCompanyId = 'default';

export interface NewCompany {
  id: string;
  name: string;
  policies?: CompanyPolicies;
  webhookSecret?: string | null;
}

/**
 * Creates the company if it does not exist; an existing company is returned unchanged (idempotent, safe when
 * several processes start at once).
 */
export async function ensureCompany(db: Db, company: NewCompany): Promise<Company> {
  await db
    .insert(companies)
    .values({
      id: company.id,
      name: company.name,
      policies: company.policies ?? defaultCompanyPolicies,
      webhookSecret: company.webhookSecret ?? null,
    })
    .onConflictDoNothing({ target: companies.id });
  const stored = await getCompany(db, company.id);
  if (stored === null) throw new Error(`company ${company.id} vanished right after it was ensured`);
  return stored;
}

/** Creates the default company (id `default`) with default policies unless it exists. Idempotent. */
export async function ensureDefaultCompany(db: Db, name = 'Default company'): Promise<Company> {
  return ensureCompany(db, { id: defaultCompanyId, name });
}

export async function getCompany(db: Db, companyId: string): Promise<Company | null> {
  const [row] = await db.select().from(companies).where(eq(companies.id, companyId));
  return row ?? null;
}

/**
 * The company as the employee lifecycle needs it (its policies, its connection, its revision): what the
 * `loadCompanySettings` activity answers, and what the HR outbox relay sends along with a snapshot. A company that
 * does not exist has no connection and the default policies.
 */
export async function getCompanySettings(db: Db, companyId: string): Promise<CompanySettings> {
  const company = await getCompany(db, companyId);
  if (company === null) return { exists: false, connected: false, policies: defaultCompanyPolicies, revision: 0 };
  return {
    exists: true,
    connected: company.entraStatus === EntraConnectionStatus.Connected && company.entraTenantId !== null,
    policies: storedCompanyPolicies(company.policies),
    revision: company.updatedAt.getTime(),
  };
}

/** All companies, by id. */
export async function listCompanies(db: Db): Promise<Company[]> {
  return db.select().from(companies).orderBy(asc(companies.id));
}

/** Replaces the company's lifecycle policies. Resolves to the updated company, or null when there is no such company. */
export async function setCompanyPolicies(
  db: Db,
  companyId: string,
  policies: CompanyPolicies,
): Promise<Company | null> {
  const [row] = await db
    .update(companies)
    .set({ policies, updatedAt: sql`now()` })
    .where(eq(companies.id, companyId))
    .returning();
  return row ?? null;
}

/**
 * Records that the company's Entra tenant is connected (admin consent given). Connecting again, to the same or to
 * another tenant, replaces the tenant and the connection time. Resolves to null when there is no such company.
 */
export async function connectEntra(db: Db, companyId: string, tenantId: string): Promise<Company | null> {
  const [row] = await db
    .update(companies)
    .set({
      entraTenantId: tenantId,
      entraStatus: EntraConnectionStatus.Connected,
      entraConnectedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(eq(companies.id, companyId))
    .returning();
  return row ?? null;
}

/**
 * Records that the integration was removed: Graph work pauses until a reconnect. The tenant id is kept so that the
 * console can show which tenant was connected. Disconnecting a disconnected company keeps its first disconnect time.
 * Resolves to null when there is no such company.
 */
export async function disconnectEntra(db: Db, companyId: string): Promise<Company | null> {
  const [row] = await db
    .update(companies)
    .set({
      entraStatus: EntraConnectionStatus.Disconnected,
      entraDisconnectedAt: sql`case when ${companies.entraStatus} = 'connected' then now() else ${companies.entraDisconnectedAt} end`,
      updatedAt: sql`now()`,
    })
    .where(eq(companies.id, companyId))
    .returning();
  return row ?? null;
}

/**
 * The Entra tenant the company is connected to, or null when it has none (never connected, or removed). Read at
 * every Graph call, so removing the integration stops Graph work at once. Read-only.
 */
export async function getConnectedTenantId(db: Db, companyId: string): Promise<string | null> {
  const [row] = await db
    .select({ tenantId: companies.entraTenantId })
    .from(companies)
    .where(and(eq(companies.id, companyId), eq(companies.entraStatus, EntraConnectionStatus.Connected)))
    .limit(1);
  return row?.tenantId ?? null;
}
