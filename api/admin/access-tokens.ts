import Router from '@koa/router';
import { z } from 'zod';
import { AccessTokenDescription, AccessTokenName } from '../../domain/access-token-fields';
import { createAccessToken, listAccessTokens, revokeAccessToken } from '../../store/access-tokens';
import { defaultCompanyId, ensureDefaultCompany, getCompany } from '../../store/companies';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { jsonBody } from '../middleware/json-body';
import { requireAdmin } from '../middleware/require-admin';

/** Body of `POST /admin/api/access-tokens`. */
export const NewAccessTokenRequest = z.strictObject({
  name: AccessTokenName,
  description: AccessTokenDescription.nullable().optional(),
  companyId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a company id')
    .optional(),
});
export type NewAccessTokenRequest = z.infer<typeof NewAccessTokenRequest>;

const CompanyQuery = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a company id');

/** The company named by the `company` query parameter, the default company when there is none. */
export function companyOf(query: unknown): string {
  if (query === undefined) return defaultCompanyId;
  const parsed = CompanyQuery.safeParse(query);
  if (!parsed.success) throw new HttpError(400, 'query parameter "company" must be one company id');
  return parsed.data;
}

/**
 * The Access tokens page's API under `/admin/api` (administrator password required): list a company's tokens
 * (never the tokens), create one (the token is in this one answer only), revoke one (effective on the next SCIM
 * request). `company` / `companyId` default to the default company.
 */
export function adminAccessTokensRouter(deps: AppDeps): Router {
  const router = new Router({ prefix: '/admin/api/access-tokens' });
  router.use(requireAdmin(deps.config.ADMIN_PASSWORD));
  router.use(jsonBody({ limit: '16kb', maxDepth: 4, maxNodes: 100 }));

  router.get('/', async (ctx) => {
    const companyId = companyOf(ctx.query.company);
    ctx.body = { companyId, accessTokens: await listAccessTokens(deps.db, companyId) };
  });

  router.post('/', async (ctx) => {
    const parsed = NewAccessTokenRequest.safeParse(ctx.request.body);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
      throw new HttpError(
        400,
        `invalid access token request: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`,
        'invalidBody',
        details,
      );
    }
    const companyId = parsed.data.companyId ?? defaultCompanyId;
    if (companyId === defaultCompanyId) await ensureDefaultCompany(deps.db);
    else if ((await getCompany(deps.db, companyId)) === null)
      throw new HttpError(404, `there is no company "${companyId}"`);
    const { token, accessToken } = await createAccessToken(deps.db, {
      companyId,
      name: parsed.data.name,
      description: parsed.data.description ?? null,
    });
    deps.logger.info({ companyId, tokenId: accessToken.id, name: accessToken.name }, 'access token created');
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { token, accessToken };
  });

  router.delete('/:id', async (ctx) => {
    const companyId = companyOf(ctx.query.company);
    if (!(await revokeAccessToken(deps.db, companyId, ctx.params.id!))) {
      throw new HttpError(404, `no active access token ${ctx.params.id!} in company ${companyId}`);
    }
    deps.tokenVerifier?.revoked(ctx.params.id!);
    deps.logger.info({ companyId, tokenId: ctx.params.id }, 'access token revoked');
    ctx.status = 204;
  });
  return router;
}
