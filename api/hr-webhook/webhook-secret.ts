import type { Db } from '../../store/db';
import { defaultCompanyId, getCompany } from '../../store/companies';
import { rememberReads } from '../../store/recent-reads';

/** How long one process uses a company's secret without reading it again: a changed secret's longest delay. */
export const webhookSecretTtlMs = 1_000;

/**
 * The webhook secret of a company: its own from the database, else `WEBHOOK_SECRET` for the default company; null
 * when it has none or does not exist. Read at most once per {@link webhookSecretTtlMs} per company and process
 * ({@link rememberReads}).
 */
export function webhookSecretSource(
  deps: { db: Db; config: { WEBHOOK_SECRET?: string | undefined } },
  options: { ttlMs?: number; now?: () => number } = {},
) {
  return rememberReads(
    async (companyId): Promise<string | null> => {
      const company = await getCompany(deps.db, companyId);
      if (company === null) return null;
      if (company.webhookSecret) return company.webhookSecret;
      return companyId === defaultCompanyId ? (deps.config.WEBHOOK_SECRET ?? null) : null;
    },
    { ttlMs: options.ttlMs ?? webhookSecretTtlMs, ...(options.now ? { now: options.now } : {}) },
  );
}
