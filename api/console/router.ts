/**
 * The admin console at `/`: server-rendered pages behind the administrator password. See docs/console.md. This file
 * puts the pages together in the order their middleware needs; each page's routes and markup are in `pages/`, what
 * they share in `html.ts` (markup) and `respond.ts` (answering, the session's flash).
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { AppDeps } from '../deps';
import { consoleCss, consoleJs } from './assets';
import { SignInLimiter, loadSession, requireSession } from './auth';
import { accessTokensRoutes } from './pages/access-tokens';
import { accountsRoutes } from './pages/accounts';
import { employeeRoutes } from './pages/employee';
import { employeesRoutes } from './pages/employees';
import { integrationsRoutes } from './pages/integrations';
import { setupPage, signInRoutes, signOutRoutes } from './pages/sign-in';
import { renderPage } from './respond';

/** Security headers of every console page: no framing, no inline script, forms post only to us (and Entra). */
function securityHeaders(authorityHost: string | undefined) {
  const formAction = ["'self'", ...(authorityHost === undefined ? [] : [authorityHost])].join(' ');
  const policy = `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action ${formAction}`;
  return async (ctx: Context, next: Next) => {
    await next();
    if (ctx.type === 'text/html') {
      ctx.set('Content-Security-Policy', policy);
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('Referrer-Policy', 'same-origin');
      ctx.set('Cache-Control', 'no-store');
    }
  };
}

/** The console's routes. Without ADMIN_PASSWORD every console path answers the setup page and nothing else. */
export function consoleRouter(deps: AppDeps): Router {
  const router = new Router();
  const { db, config, logger, entra } = deps;

  router.get('/console/assets/console.css', (ctx) => {
    ctx.type = 'text/css';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = consoleCss;
  });
  router.get('/console/assets/console.js', (ctx) => {
    ctx.type = 'application/javascript';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = consoleJs;
  });

  const consolePaths = [
    '/',
    '/sign-in',
    '/sign-out',
    '/settings',
    '/settings/*rest',
    '/employees',
    '/employees/*rest',
    '/accounts',
  ];
  const adminPassword = config.ADMIN_PASSWORD;
  if (adminPassword === undefined) {
    router.all(consolePaths, (ctx) => {
      ctx.status = 503;
      renderPage(ctx, 'Set an administrator password', setupPage());
    });
    return router;
  }

  // Middleware of a router runs only for requests one of its routes matches, and in the order registered.
  router.use(securityHeaders(entra?.authorityHost));
  router.use(bodyParser({ enableTypes: ['form'], formLimit: '32kb' }));
  router.use(loadSession(db));
  const auth = {
    db,
    adminPassword,
    secureCookies: config.PUBLIC_URL.startsWith('https://'),
    limiter: new SignInLimiter(),
    logger,
  };
  signInRoutes(router, auth);

  // Every route from here on needs a session (and a CSRF token on its posts).
  router.use(requireSession());
  signOutRoutes(router, auth);
  router.get('/', (ctx) => ctx.redirect('/employees'));
  router.get('/settings', (ctx) => ctx.redirect('/settings/integrations'));
  integrationsRoutes(router, deps);
  accessTokensRoutes(router, deps);
  employeesRoutes(router, deps);
  employeeRoutes(router, deps);
  accountsRoutes(router, deps);
  return router;
}
