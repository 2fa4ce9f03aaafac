import type { Db } from '../../store/db';
import { defaultCompanyId, getCompany } from '../../store/companies';

/** The webhook secret of a company: its own from the database, else `WEBHOOK_SECRET` for the default company. */
export function webhookSecretSource(deps: { db: Db; config: { WEBHOOK_SECRET?: string | undefined } }) {
  return async (companyId: string): Promise<string | null> => {
    const company = await getCompany(deps.db, companyId);
    if (company === null) return null;
    if (company.webhookSecret) return company.webhookSecret;
    return companyId === defaultCompanyId ? (deps.config.WEBHOOK_SECRET ?? null) : null;
  };
}
