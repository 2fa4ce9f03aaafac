import { createHash, randomUUID } from 'node:crypto';
import type { ParameterizedContext } from 'koa';
import Router from '@koa/router';
import type { AadstsError } from './aadsts';
import { Aadsts } from './aadsts';
import type { LoggedRequest, SandboxContext } from './context';
import { simulateLatency } from './context';
import { readBody } from './http-body';
import { originOf } from './origin';
import { consentRoutes } from './consent';
import { graphAppId, graphAudience } from './signing';
import type { SandboxTenant } from './state';
import { secretMatches } from './state';

const sharedTenants = new Set(['common', 'organizations', 'consumers']);
const graphResources = new Set([graphAudience, `${graphAudience}/`, graphAppId]);

function sendAadsts(ctx: ParameterizedContext, err: AadstsError): void {
  ctx.status = err.status;
  ctx.set('Cache-Control', 'no-store, no-cache');
  ctx.body = err.body;
}

function tenantName(tenant: SandboxTenant): string {
  return tenant.domains.find((d) => d.isInitial)?.id ?? tenant.id;
}

/**
 * The identity-platform endpoints MSAL Node (and so `@azure/identity`) calls: OpenID discovery, JWKS, instance
 * discovery, the v2.0 token endpoint (client credentials with a client secret) and admin consent.
 */
export function identityRoutes(sandbox: SandboxContext): Router {
  const router = new Router();

  router.get('/common/discovery/instance', (ctx) => {
    const origin = originOf(ctx);
    const host = ctx.host;
    const tenant = /\/([^/]+)\/oauth2\/v2\.0\/authorize/.exec(String(ctx.query['authorization_endpoint'] ?? ''))?.[1];
    ctx.body = {
      tenant_discovery_endpoint: `${origin}/${tenant ?? 'common'}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  });

  router.get('/:tenant/v2.0/.well-known/openid-configuration', (ctx) => {
    const origin = originOf(ctx);
    const requested = ctx.params.tenant ?? '';
    let issuerTenant = '{tenantid}';
    let pathTenant = requested;
    if (!sharedTenants.has(requested.toLowerCase())) {
      const tenant = sandbox.store.tenant(requested);
      if (!tenant) {
        const err = Aadsts.tenantNotFound(origin, requested);
        err.body.error = 'invalid_tenant';
        return sendAadsts(ctx, err);
      }
      issuerTenant = tenant.id;
      pathTenant = tenant.id;
    }
    ctx.body = {
      token_endpoint: `${origin}/${pathTenant}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${origin}/${pathTenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${origin}/${issuerTenant}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${origin}/${pathTenant}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${origin}/${pathTenant}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${origin}/${pathTenant}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'tid', 'ver', 'oid'],
      tenant_region_scope: 'EU',
      cloud_instance_name: ctx.hostname,
      cloud_graph_host_name: ctx.hostname,
      msgraph_host: ctx.host,
    };
  });

  router.get('/:tenant/discovery/v2.0/keys', (ctx) => {
    ctx.body = sandbox.signer.jwks();
  });
  router.get('/:tenant/discovery/keys', (ctx) => {
    ctx.body = sandbox.signer.jwks();
  });

  router.post('/:tenant/oauth2/v2.0/token', async (ctx) => {
    await simulateLatency(sandbox.settings);
    const form = new URLSearchParams(await readBody(ctx.req));
    applyBasicClientAuth(ctx.get('authorization'), form);
    const entry: LoggedRequest = {
      at: new Date().toISOString(),
      method: ctx.method,
      path: ctx.path,
      status: 0,
      requestId: randomUUID(),
    };
    const clientId = form.get('client_id');
    if (clientId) entry.appId = clientId;
    sandbox.log.push(entry);
    ctx.res.once('finish', () => {
      entry.status = ctx.status;
    });
    const fault = sandbox.faults.take(ctx.method, ctx.path);
    if (fault && fault.kind !== 'drop') {
      const status = fault.kind === 'throttle' ? 429 : (fault.status ?? 503);
      const retryAfter = fault.retryAfterSeconds ?? (fault.kind === 'throttle' ? 1 : undefined);
      if (retryAfter !== undefined) ctx.set('Retry-After', String(retryAfter));
      return sendAadsts(ctx, Aadsts.transient(originOf(ctx), status));
    }
    const result = await issueToken(sandbox, originOf(ctx), ctx.params.tenant ?? '', form);
    if ('status' in result) return sendAadsts(ctx, result);
    ctx.set('Cache-Control', 'no-store, no-cache');
    ctx.body = result;
    entry.tenantId = sandbox.store.tenant(ctx.params.tenant ?? '')?.id;
    if (fault?.kind === 'drop') {
      ctx.respond = false;
      ctx.req.socket.destroy();
    }
  });

  const consent = consentRoutes(sandbox);
  router.use(consent.routes(), consent.allowedMethods());
  return router;
}

/**
 * `client_secret_basic`: the client id and secret in an HTTP Basic header (each form-urlencoded, per RFC 6749 §2.3.1)
 * instead of the body. MSAL posts them in the body; other clients may not.
 */
function applyBasicClientAuth(header: string, form: URLSearchParams): void {
  const match = /^Basic\s+(\S+)$/i.exec(header);
  if (!match) return;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return;
  const decode = (v: string) => decodeURIComponent(v.replace(/\+/g, ' '));
  try {
    if (!form.has('client_id')) form.set('client_id', decode(decoded.slice(0, colon)));
    if (!form.has('client_secret')) form.set('client_secret', decode(decoded.slice(colon + 1)));
  } catch {
    // A malformed header is treated as absent: the missing-parameter checks then answer.
  }
}

interface TokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
}

/** The client-credentials grant, checked in the order Entra checks it. */
async function issueToken(
  sandbox: SandboxContext,
  origin: string,
  requestedTenant: string,
  form: URLSearchParams,
): Promise<TokenResponse | AadstsError> {
  if (sharedTenants.has(requestedTenant.toLowerCase())) return Aadsts.noTenantInformation(origin);
  const tenant = sandbox.store.tenant(requestedTenant);
  if (!tenant) return Aadsts.tenantNotFound(origin, requestedTenant);

  const grantType = form.get('grant_type');
  if (!grantType) return Aadsts.missingParameter(origin, 'grant_type');
  if (grantType !== 'client_credentials') return Aadsts.unsupportedGrantType(origin, grantType);
  const clientId = form.get('client_id');
  if (!clientId) return Aadsts.missingParameter(origin, 'client_id');
  const scope = form.get('scope');
  if (!scope) return Aadsts.missingParameter(origin, 'scope');

  const app = sandbox.store.app(clientId);
  if (!app) return Aadsts.appNotFound(origin, clientId, tenantName(tenant));

  const scopes = scope.trim().split(/\s+/);
  const [single] = scopes;
  if (scopes.length !== 1 || single === undefined) return Aadsts.invalidScope(origin, scope);
  if (!single.endsWith('/.default')) return Aadsts.scopeNotDefault(origin, single);
  const resource = single.slice(0, -'/.default'.length);
  if (!graphResources.has(resource)) return Aadsts.resourceNotFound(origin, resource, tenant.id);

  const secret = form.get('client_secret');
  if (!secret) return Aadsts.missingCredential(origin);
  if (!app.secrets.some((s) => secretMatches(secret, s))) return Aadsts.invalidSecret(origin, app.appId);

  const roles = tenant.grants[app.appId];
  if (!roles) return Aadsts.missingServicePrincipal(origin, app.appId, tenant.id);

  const lifetime = sandbox.settings.tokenLifetimeSeconds;
  const accessToken = await sandbox.signer.sign(
    {
      aud: graphAudience,
      iss: `https://sts.windows.net/${tenant.id}/`,
      tid: tenant.id,
      appid: app.appId,
      app_displayname: app.displayName,
      idtyp: 'app',
      oid: servicePrincipalId(tenant.id, app.appId),
      sub: servicePrincipalId(tenant.id, app.appId),
      roles: [...roles],
      ver: '1.0',
    },
    lifetime,
  );
  return { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken };
}

/** A stable service-principal object id for (tenant, app), shaped like a GUID. */
function servicePrincipalId(tenantId: string, appId: string): string {
  const hex = createHash('sha256').update(`${tenantId}/${appId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
