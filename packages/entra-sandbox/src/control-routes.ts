import type { ParameterizedContext } from 'koa';
import Router from '@koa/router';
import type { ConsentMode } from './context';
import { ControlError, type SandboxControl } from './control';
import { parseFaultSpec } from './faults';
import { readBody } from './http-body';
import type { TenantSeed } from './state';

async function jsonBody(ctx: ParameterizedContext): Promise<Record<string, unknown>> {
  const raw = await readBody(ctx.req);
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ControlError(400, 'body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ControlError(400, 'body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * The control API under `/_sandbox` (only mounted when the sandbox is started with `control: true` / `--control`).
 * Errors are `{ "error": "<message>" }` with 400 or 404.
 */
export function controlRoutes(control: SandboxControl): Router {
  const router = new Router({ prefix: '/_sandbox' });

  router.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof ControlError)) throw err;
      ctx.status = err.status;
      ctx.body = { error: err.message };
    }
  });

  router.post('/reset', (ctx) => {
    control.reset();
    ctx.status = 204;
  });
  router.get('/state', (ctx) => {
    ctx.body = control.state();
  });
  router.get('/requests', (ctx) => {
    ctx.body = { requests: control.requests() };
  });
  router.delete('/requests', (ctx) => {
    control.clearRequests();
    ctx.status = 204;
  });
  router.get('/faults', (ctx) => {
    ctx.body = { faults: control.faults() };
  });
  router.post('/faults', async (ctx) => {
    const spec = parseFaultSpec(await jsonBody(ctx));
    if (typeof spec === 'string') throw new ControlError(400, spec);
    ctx.status = 201;
    ctx.body = control.addFault(spec);
  });
  router.delete('/faults', (ctx) => {
    control.clearFaults();
    ctx.status = 204;
  });
  router.put('/consent', async (ctx) => {
    const body = await jsonBody(ctx);
    if (body['tenantId'] !== undefined && typeof body['tenantId'] !== 'string')
      throw new ControlError(400, 'tenantId must be a string');
    control.setConsent(body['mode'] as ConsentMode, body['tenantId']);
    ctx.status = 204;
  });
  router.put('/tenants/:tenantId/permissions', async (ctx) => {
    const body = await jsonBody(ctx);
    if (body['appId'] !== undefined && typeof body['appId'] !== 'string')
      throw new ControlError(400, 'appId must be a string');
    if (!('permissions' in body))
      throw new ControlError(400, 'permissions is required (an array, or null to remove consent)');
    control.setPermissions(ctx.params.tenantId ?? '', body['permissions'] as string[] | null, body['appId']);
    ctx.status = 204;
  });
  router.post('/tenants', async (ctx) => {
    const tenant = control.addTenant((await jsonBody(ctx)) as unknown as TenantSeed);
    ctx.status = 201;
    ctx.body = tenant;
  });
  router.put('/tenants/:tenantId/domains/:name', async (ctx) => {
    const body = await jsonBody(ctx);
    control.setDomain(ctx.params.tenantId ?? '', ctx.params.name ?? '', body['isVerified'] as boolean);
    ctx.status = 204;
  });
  router.get('/settings', (ctx) => {
    ctx.body = control.settings();
  });
  router.patch('/settings', async (ctx) => {
    control.updateSettings(await jsonBody(ctx));
    ctx.body = control.settings();
  });
  return router;
}
