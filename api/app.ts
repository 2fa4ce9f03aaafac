import Koa from 'koa';
import { adminAccessTokensRouter } from './admin/access-tokens';
import { adminScimAccountsRouter } from './admin/scim-accounts';
import { adminOperationsRouter } from './admin/operations';
import { consoleRouter } from './console/router';
import type { AppDeps, RouterFactory } from './deps';
import { errorHandler } from './middleware/error-handler';
import { requestId } from './middleware/request-id';
import { healthRouter } from './routes/health';
import { hrWebhookRouter } from './hr-webhook/router';
import { AccessTokenVerifier } from './scim/auth';
import { scimRouter } from './scim/router';

export type { AppDeps, RouterFactory } from './deps';
export type { WorkflowClientLike } from '../orchestration/temporal';

/**
 * The routers the app mounts, by name, in order. Add a part of the API by adding an entry here (or pass your own
 * list to {@link createApp} in a test). Each router owns its body parsing and limits.
 */
export const defaultRouters: Readonly<Record<string, RouterFactory>> = {
  /** `/healthz`, `/readyz`, `/metrics`. */
  health: (deps) => healthRouter(deps),
  /** Entra → HR provisioning: the SCIM 2.0 endpoint at `/scim/v2`. */
  scim: (deps) => scimRouter(deps),
  /** HR → Entra: AlexisHR webhooks at `POST /webhooks/alexis`. */
  hrWebhook: (deps) => hrWebhookRouter(deps),
  /** The Access tokens page's API (administrator password). */
  adminAccessTokens: (deps) => adminAccessTokensRouter(deps),
  /** SCIM accounts with their phone numbers in E.164 and the unparsable-number flag (administrator password). */
  adminScimAccounts: (deps) => adminScimAccountsRouter(deps),
  /** Employees, resync and status for operators and the `joiner` command line (administrator password). */
  adminOperations: (deps) => adminOperationsRouter(deps),
  /** The admin console at `/` (server-rendered pages; see docs/console.md). */
  console: (deps) => consoleRouter(deps),
};

/**
 * Builds the Koa app: the request id on top (so the error middleware's lines carry it too), one error middleware
 * (4xx show their message, 5xx a generic one), then the routers.
 * Only the process entry calls `listen`; tests use `createApp(deps).callback()` on an ephemeral server.
 */
export function createApp(deps: AppDeps, routers: Readonly<Record<string, RouterFactory>> = defaultRouters): Koa {
  const app = new Koa();
  app.proxy = false;
  // Errors are logged once by errorHandler; Koa's default handler would print them again.
  app.silent = true;
  app.use(requestId());
  app.use(errorHandler(deps.logger));
  const shared: AppDeps = { ...deps, tokenVerifier: deps.tokenVerifier ?? new AccessTokenVerifier(deps.db) };
  for (const factory of Object.values(routers)) {
    const router = factory(shared);
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
