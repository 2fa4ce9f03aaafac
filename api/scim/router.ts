import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { scimRequestDurationSeconds, scimRequestsTotal } from '../../observability/metrics';
import { describeError } from '../errors';
import { ScimError } from '../../domain/scim/errors';
import { resourceTypes, schemaDocuments, scimMaxBodyBytes, serviceProviderConfig } from '../../domain/scim/discovery';
import { listResponse } from '../../domain/scim/paging';
import type { AppDeps } from '../deps';
import { jsonBody } from '../middleware/json-body';
import { loadShedding } from '../middleware/load-shedding';
import { requireScimToken } from './auth';
import { companyPoliciesSource, type ScimDeps } from './context';
import { registerGroupRoutes } from './groups';
import { renderScimError, sendScim } from './responses';
import { registerUserRoutes } from './users';

/** Where the SCIM endpoint is mounted: the tenant URL to enter in Entra is `<PUBLIC_URL>/scim/v2`. */
export const scimBasePath = '/scim/v2';

function scimErrors() {
  return async function scimErrors(ctx: Context, next: Next): Promise<void> {
    ctx.state.renderError = renderScimError;
    await next();
  };
}

/** Resources whose paths are counted by name; anything else under /scim/v2 is `other` (bounded label values). */
const scimResources = new Set(['Users', 'Groups', 'ServiceProviderConfig', 'ResourceTypes', 'Schemas', 'Bulk', 'Me']);

/**
 * The route template of a SCIM path for metrics: `/Users/:id`, `/Users/.search`, `/Groups`, … Ids are replaced so that
 * label values stay few and carry no personal data.
 */
export function scimRouteLabel(path: string): string {
  const [resource, id, ...rest] = path.slice(scimBasePath.length).split('/').filter(Boolean);
  if (resource === undefined) return '/';
  if (resource === '.search') return '/.search';
  if (!scimResources.has(resource) || rest.length > 0) return 'other';
  if (id === undefined) return `/${resource}`;
  return id === '.search' ? `/${resource}/.search` : `/${resource}/:id`;
}

/** Counts every SCIM request by method, route and status, errors included (the error middleware sits above). */
function scimMetrics() {
  return async function scimMetrics(ctx: Context, next: Next): Promise<void> {
    const route = scimRouteLabel(ctx.path);
    const method = ctx.method;
    const stop = scimRequestDurationSeconds.startTimer({ method, route });
    let status = 500;
    try {
      await next();
      status = ctx.status;
    } catch (err) {
      status = describeError(err).status;
      throw err;
    } finally {
      stop();
      scimRequestsTotal.inc({ method, route, status: String(status) });
    }
  };
}

function registerDiscoveryRoutes(router: Router, baseUrl: string): void {
  router.get('/ServiceProviderConfig', (ctx) => sendScim(ctx, 200, serviceProviderConfig(baseUrl)));
  router.get('/ResourceTypes', (ctx) => {
    const types = resourceTypes(baseUrl);
    sendScim(ctx, 200, listResponse(types, types.length, { startIndex: 1, count: types.length }));
  });
  router.get('/ResourceTypes/:id', (ctx) => {
    const type = resourceTypes(baseUrl).find((t) => t.id.toLowerCase() === ctx.params.id!.toLowerCase());
    if (!type) throw ScimError.notFound(`resource type ${ctx.params.id!} not found`);
    sendScim(ctx, 200, type);
  });
  router.get('/Schemas', (ctx) => {
    const schemas = schemaDocuments(baseUrl);
    sendScim(ctx, 200, listResponse(schemas, schemas.length, { startIndex: 1, count: schemas.length }));
  });
  router.get('/Schemas/:id', (ctx) => {
    const schema = schemaDocuments(baseUrl).find((s) => s.id.toLowerCase() === ctx.params.id!.toLowerCase());
    if (!schema) throw ScimError.notFound(`schema ${ctx.params.id!} not found`);
    sendScim(ctx, 200, schema);
  });
}

/**
 * The SCIM 2.0 endpoint at `/scim/v2` (contract: docs/scim.md): bearer-token auth per company, Users, Groups and the
 * discovery documents; every answer, errors included, is `application/scim+json`. Mount it with `createApp`'s
 * router list (`{ scim: scimRouter }`).
 */
export function scimRouter(deps: AppDeps): Router {
  const { db } = deps;
  const scim: ScimDeps = {
    db,
    logger: deps.logger,
    signals: deps.accountSignals,
    policies: companyPoliciesSource(db),
    baseUrl: `${deps.config.PUBLIC_URL}${scimBasePath}`,
  };
  const router = new Router({ prefix: scimBasePath });
  router.use(scimMetrics());
  router.use(scimErrors());
  // Before authentication and the body: a shed request costs no database query.
  router.use(loadShedding('scim', deps.config.MAX_IN_FLIGHT_REQUESTS));
  router.use(requireScimToken(db, deps.tokenVerifier));
  router.use(jsonBody({ limit: scimMaxBodyBytes, maxDepth: 8, maxNodes: 50_000 }));
  registerDiscoveryRoutes(router, scim.baseUrl);
  registerUserRoutes(router, scim);
  registerGroupRoutes(router, scim);
  // Last: unknown paths and methods under /scim/v2 answer in SCIM's error format too (after authentication).
  router.all('/{*rest}', (ctx) => {
    throw ScimError.notFound(`${ctx.method} ${ctx.path} is not a SCIM endpoint`);
  });
  return router;
}
