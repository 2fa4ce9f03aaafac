import type { ParameterizedContext } from 'koa';
import Router from '@koa/router';
import type { AadstsError } from './aadsts';
import { Aadsts } from './aadsts';
import type { SandboxContext } from './context';
import { ConsentMode } from './context';
import { readBody } from './http-body';
import { originOf } from './origin';
import type { SandboxApp, SandboxTenant } from './state';

const sharedTenants = new Set(['common', 'organizations']);

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Entra shows consent errors on its own page (it never redirects to an unvalidated redirect URI). */
function errorPage(ctx: ParameterizedContext, err: AadstsError): void {
  ctx.status = err.status;
  ctx.type = 'html';
  ctx.body = `<!doctype html><html><head><title>Sign in to your account</title></head><body>
<h1>Sorry, but we're having trouble signing you in.</h1>
<p id="error">${escapeHtml(err.body.error_description)}</p></body></html>`;
}

interface ConsentRequest {
  app: SandboxApp;
  /** The tenant named in the path, or undefined for common/organizations. */
  tenant: SandboxTenant | undefined;
  redirectUri: string;
  state: string | undefined;
}

function parseRequest(
  sandbox: SandboxContext,
  ctx: ParameterizedContext,
  pathTenant: string,
  params: URLSearchParams,
): ConsentRequest | AadstsError {
  const origin = originOf(ctx);
  let tenant: SandboxTenant | undefined;
  if (!sharedTenants.has(pathTenant.toLowerCase())) {
    tenant = sandbox.store.tenant(pathTenant);
    if (!tenant) return Aadsts.tenantNotFound(origin, pathTenant);
  }
  const clientId = params.get('client_id');
  if (!clientId) return Aadsts.missingParameter(origin, 'client_id');
  const app = sandbox.store.app(clientId);
  if (!app) return Aadsts.appNotFound(origin, clientId, tenant?.id ?? pathTenant);
  const redirectUri = params.get('redirect_uri');
  if (!redirectUri) return Aadsts.missingParameter(origin, 'redirect_uri');
  if (!redirectAllowed(app, redirectUri)) return Aadsts.redirectUriMismatch(origin, redirectUri, app.appId);
  return { app, tenant, redirectUri, state: params.get('state') ?? undefined };
}

function redirectAllowed(app: SandboxApp, redirectUri: string): boolean {
  if (app.redirectUris.length > 0) return app.redirectUris.includes(redirectUri);
  try {
    const url = new URL(redirectUri);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function redirectWith(
  ctx: ParameterizedContext,
  redirectUri: string,
  params: Record<string, string | undefined>,
): void {
  const url = new URL(redirectUri);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(key, value);
  ctx.redirect(url.toString());
}

/** Applies the admin's decision: grant the app's requested permissions in the tenant, or report the refusal. */
function decide(
  sandbox: SandboxContext,
  ctx: ParameterizedContext,
  request: ConsentRequest,
  decision: 'grant' | 'deny',
  tenantId: string | undefined,
): void {
  if (decision === 'deny') {
    return redirectWith(ctx, request.redirectUri, {
      error: 'permission_denied',
      error_description: 'The admin canceled the request',
      state: request.state,
    });
  }
  const tenant = request.tenant ?? (tenantId ? sandbox.store.tenant(tenantId) : undefined);
  if (!tenant) return errorPage(ctx, Aadsts.tenantNotFound(originOf(ctx), tenantId ?? ''));
  tenant.grants[request.app.appId] = [...request.app.requiredPermissions];
  sandbox.store.changed();
  redirectWith(ctx, request.redirectUri, { tenant: tenant.id, admin_consent: 'True', state: request.state });
}

function promptPage(sandbox: SandboxContext, request: ConsentRequest, pathTenant: string, action: string): string {
  const tenants = request.tenant ? [request.tenant] : Object.values(sandbox.store.state.tenants);
  const options = tenants
    .map((t) => `<option value="${escapeHtml(t.id)}">${escapeHtml(t.displayName)} (${escapeHtml(t.id)})</option>`)
    .join('');
  const hidden = (name: string, value: string | undefined) =>
    value === undefined ? '' : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const permissions = request.app.requiredPermissions.map((p) => `<li>${escapeHtml(p)}</li>`).join('');
  return `<!doctype html><html><head><title>Permissions requested</title></head><body>
<h1>Permissions requested</h1><p>${escapeHtml(request.app.displayName)} (${escapeHtml(request.app.appId)}) asks for
these application permissions on Microsoft Graph, for your organization (Entra sandbox tenant ${escapeHtml(pathTenant)}):</p>
<ul>${permissions}</ul>
<form method="post" action="${escapeHtml(action)}">
${hidden('client_id', request.app.appId)}${hidden('redirect_uri', request.redirectUri)}${hidden('state', request.state)}
<label>Organization <select name="tenant">${options}</select></label>
<button type="submit" name="decision" value="grant">Accept</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</form></body></html>`;
}

/**
 * `GET /{tenant|common|organizations}[/v2.0]/adminconsent?client_id&redirect_uri&state`: the admin-consent flow of
 * a multi-tenant app. There is no real admin to sign in, so the decision comes from the consent mode: `prompt` shows a
 * page with Accept / Cancel (a form POST back here), `grant` and `deny` redirect at once.
 */
export function consentRoutes(sandbox: SandboxContext): Router {
  const router = new Router();
  for (const path of ['/:tenant/adminconsent', '/:tenant/v2.0/adminconsent']) {
    router.get(path, (ctx) => {
      const params = new URLSearchParams(ctx.querystring);
      const request = parseRequest(sandbox, ctx, ctx.params.tenant ?? '', params);
      if ('status' in request) return errorPage(ctx, request);
      const { consentMode, consentTenantId } = sandbox.settings;
      if (consentMode === ConsentMode.prompt) {
        ctx.type = 'html';
        ctx.body = promptPage(sandbox, request, ctx.params.tenant ?? '', ctx.path);
        return;
      }
      return decide(sandbox, ctx, request, consentMode, consentTenantId ?? sandbox.store.state.unconsentedTenantId);
    });
    router.post(path, async (ctx) => {
      const form = new URLSearchParams(await readBody(ctx.req));
      const request = parseRequest(sandbox, ctx, ctx.params.tenant ?? '', form);
      if ('status' in request) return errorPage(ctx, request);
      const decision = form.get('decision') === 'grant' ? 'grant' : 'deny';
      return decide(sandbox, ctx, request, decision, form.get('tenant') ?? undefined);
    });
  }
  return router;
}
