import Router from '@koa/router';
import { z } from 'zod';
import { listScimAccounts } from '../../store/scim-users';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { requireAdmin } from '../middleware/require-admin';
import { companyOf } from './access-tokens';

/** Query of `GET /admin/api/scim-accounts` (besides `company`, read by `companyOf`). */
const AccountsQuery = z.object({
  flagged: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
});

/**
 * The accounts Entra provisioned over SCIM, as HR-side code and an administrator read them (administrator password
 * required): each with its phone numbers in E.164 (null where the number as sent cannot be parsed) and the
 * `phoneNumbersUnparsable` flag; `flagged=true` lists only the flagged accounts, the ones whose numbers to fix in
 * Entra. Never the SCIM resource itself: the numbers as sent are on `GET /scim/v2/Users/{id}`.
 */
export function adminScimAccountsRouter(deps: AppDeps): Router {
  const router = new Router({ prefix: '/admin/api/scim-accounts' });
  router.use(requireAdmin(deps.config.ADMIN_PASSWORD));

  router.get('/', async (ctx) => {
    const parsed = AccountsQuery.safeParse(ctx.query);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
      throw new HttpError(
        400,
        `invalid query: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`,
        'invalidQuery',
        details,
      );
    }
    const companyId = companyOf(ctx.query.company);
    const { flagged, limit, offset } = parsed.data;
    const accounts = await listScimAccounts(deps.db, companyId, { limit, offset, flaggedOnly: flagged === 'true' });
    ctx.body = { companyId, accounts };
  });
  return router;
}
