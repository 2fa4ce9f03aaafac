import type { Db } from '../../store/db';
import { defaultCompanyId, getCompany } from '../../store/companies';

/** How long one process uses a company's secret without reading it again: a changed secret's longest delay. */
export const webhookSecretTtlMs = 1_000;

/** Companies whose secret a process remembers at most; past it the memory starts again (and simply reads again). */
const maxRememberedCompanies = 10_000;

/**
 * The webhook secret of a company: its own from the database, else `WEBHOOK_SECRET` for the default company; null
 * when it has none or does not exist. Each company's answer is reused for {@link webhookSecretTtlMs} (and shared by
 * the requests that arrive while it is read), so a burst of webhooks costs one company read a second instead of one
 * per request; a failed read is not remembered.
 */
export function webhookSecretSource(
  deps: { db: Db; config: { WEBHOOK_SECRET?: string | undefined } },
  options: { ttlMs?: number; now?: () => number } = {},
) {
  const ttlMs = options.ttlMs ?? webhookSecretTtlMs;
  const now = options.now ?? Date.now;
  const remembered = new Map<string, { at: number; secret: Promise<string | null> }>();
  const read = async (companyId: string): Promise<string | null> => {
    const company = await getCompany(deps.db, companyId);
    if (company === null) return null;
    if (company.webhookSecret) return company.webhookSecret;
    return companyId === defaultCompanyId ? (deps.config.WEBHOOK_SECRET ?? null) : null;
  };
  return async (companyId: string): Promise<string | null> => {
    const at = now();
    let entry = remembered.get(companyId);
    if (entry === undefined || at - entry.at >= ttlMs) {
      if (remembered.size >= maxRememberedCompanies) remembered.clear();
      entry = { at, secret: read(companyId) };
      remembered.set(companyId, entry);
    }
    try {
      return await entry.secret;
    } catch (err) {
      if (remembered.get(companyId) === entry) remembered.delete(companyId);
      throw err;
    }
  };
}
