/**
 * The admin console at `/`: server-rendered pages behind the administrator password. See docs/console.md.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { AccessTokenDescription, AccessTokenName, checkAccessTokenField } from '../../domain/access-token-fields';
import { LifecyclePhase } from '../../domain/lifecycle-phase';
import { requestResync } from '../../orchestration/anti-entropy';
import { waitAtMost } from '../../orchestration/deadline';
import { resyncEmployee } from '../../orchestration/employee-resync';
import { getEmployeeView, listEmployeeViews } from '../../orchestration/employee-view';
import { createAccessToken, listAccessTokens, revokeAccessToken } from '../../store/access-tokens';
import {
  connectEntra,
  defaultCompanyId,
  disconnectEntra,
  ensureDefaultCompany,
  getConnectedTenantId,
} from '../../store/companies';
import type { SessionFlash } from '../../store/console-sessions';
import {
  clearSessionFlash,
  randomSecret,
  setConsentState,
  setSessionFlash,
  takeConsentState,
} from '../../store/console-sessions';
import type { EmployeeListQuery, EmployeePhaseFilter } from '../../store/employee-read-model';
import { countEmployeesByPhase, employeeDisplayNames, notStartedPhase } from '../../store/employee-read-model';
import { scimGroupMembersOf, listScimGroups } from '../../store/scim-groups';
import { listScimAccounts } from '../../store/scim-users';
import { getEmployee } from '../../store/employees';
import { ResyncScope } from '../../workflows/definitions';
import type { AppDeps } from '../deps';
import { consoleCss, consoleJs } from './assets';
import type { ConsoleState } from './auth';
import {
  SignInLimiter,
  actorOf,
  loadSession,
  newSignInToken,
  requireSession,
  setCookie,
  signIn,
  signInCookie,
  signOut,
} from './auth';
import type { Html } from './html';
import { layout } from './html';
import { adminConsentUrl, checkIntegration, consentErrorReason } from './integration';
import {
  accessTokensPage,
  accountsPage,
  confirmPage,
  employeePage,
  employeesPage,
  integrationsPage,
  messagePage,
  setupPage,
  signInPage,
} from './pages';

/** Employees per page of the list. */
export const employeePageSize = 50;

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
  const secureCookies = config.PUBLIC_URL.startsWith('https://');
  const limiter = new SignInLimiter();
  const companyId = defaultCompanyId;

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
  const page = (ctx: Context, title: string, body: Html, extra: Partial<Parameters<typeof layout>[0]> = {}) => {
    const state = ctx.state as Partial<ConsoleState>;
    ctx.type = 'html';
    ctx.body = layout({ title, body, csrf: state.csrf, ...extra });
  };

  const adminPassword = config.ADMIN_PASSWORD;
  if (adminPassword === undefined) {
    router.all(consolePaths, (ctx) => {
      ctx.status = 503;
      page(ctx, 'Set an administrator password', setupPage());
    });
    return router;
  }

  // Middleware of a router runs only for requests one of its routes matches, and in the order registered.
  router.use(securityHeaders(entra?.authorityHost));
  router.use(bodyParser({ enableTypes: ['form'], formLimit: '32kb' }));
  router.use(loadSession(db));
  const auth = { db, adminPassword, secureCookies, limiter, logger };

  /** Only same-site paths are followed after sign-in. */
  const safeNext = (next: unknown) =>
    typeof next === 'string' && /^\/(?![/\\])/.test(next) && !next.startsWith('/sign-') ? next : '/employees';

  const showSignIn = (ctx: Context, next: string, error?: string) => {
    const formToken = newSignInToken();
    setCookie(ctx, signInCookie, formToken, { secure: secureCookies, maxAgeS: 3600 });
    page(ctx, 'Sign in', signInPage({ formToken, next, error }));
  };

  router.get('/sign-in', (ctx) => {
    if ((ctx.state as Partial<ConsoleState>).session !== undefined) return ctx.redirect(safeNext(ctx.query.next));
    showSignIn(ctx, safeNext(ctx.query.next));
  });
  router.post('/sign-in', async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    const result = await signIn(ctx, auth, body.password, body._signin);
    switch (result.outcome) {
      case 'signed-in':
        return ctx.redirect(next);
      case 'wrong-password':
        ctx.status = 401;
        return showSignIn(ctx, next, 'Wrong password.');
      case 'limited':
        ctx.status = 429;
        ctx.set('Retry-After', String(result.retryAfterS));
        return showSignIn(
          ctx,
          next,
          `Too many failed sign-ins from your address: try again in ${Math.ceil(result.retryAfterS / 60)} minutes.`,
        );
      case 'csrf':
        ctx.status = 403;
        return showSignIn(ctx, next, 'The sign-in form had expired: enter the password again.');
    }
  });

  router.use(requireSession());
  const state = (ctx: Context) => ctx.state as ConsoleState;
  /** The session's one-time message, cleared once shown. */
  const takeFlash = async (ctx: Context): Promise<SessionFlash | null> => {
    const flash = state(ctx).session.flash;
    if (flash !== null) await clearSessionFlash(db, state(ctx).session.id);
    return flash;
  };
  const flashAndRedirect = async (ctx: Context, flash: SessionFlash, to: string) => {
    await setSessionFlash(db, state(ctx).session.id, flash);
    ctx.redirect(to);
  };

  router.post('/sign-out', async (ctx) => {
    await signOut(ctx, auth);
    ctx.redirect('/sign-in');
  });
  router.get('/', (ctx) => ctx.redirect('/employees'));
  router.get('/settings', (ctx) => ctx.redirect('/settings/integrations'));

  // --- Integrations -------------------------------------------------------------------------------------------
  const integrationsPath = '/settings/integrations';
  router.get(integrationsPath, async (ctx) => {
    const company = await ensureDefaultCompany(db);
    const status = await checkIntegration(entra, company);
    page(ctx, 'Integrations', integrationsPage({ status, csrf: state(ctx).csrf, canIntegrate: entra !== undefined }), {
      section: 'integrations',
      flash: await takeFlash(ctx),
    });
  });
  router.post(`${integrationsPath}/entra/integrate`, async (ctx) => {
    if (entra === undefined) {
      return flashAndRedirect(
        ctx,
        {
          kind: 'error',
          text: 'This API process has no Entra credentials: set ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET.',
        },
        integrationsPath,
      );
    }
    const consentState = randomSecret();
    await setConsentState(db, state(ctx).session.id, consentState);
    logger.info(
      { actor: actorOf(ctx), action: 'entra.consent-requested', companyId },
      'console: admin consent requested',
    );
    ctx.redirect(adminConsentUrl(entra, config.PUBLIC_URL, consentState));
  });
  router.get(`${integrationsPath}/entra/callback`, async (ctx) => {
    const q = ctx.query;
    const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const consentState = one(q.state);
    if (consentState === undefined || !(await takeConsentState(db, state(ctx).session.id, consentState))) {
      logger.warn({ actor: actorOf(ctx), action: 'entra.consent-state-mismatch' }, 'console: consent answer refused');
      ctx.status = 400;
      return page(
        ctx,
        'Integrations',
        messagePage(
          'This answer from Microsoft does not belong to the consent you started (its state does not match). Go back to Integrations and click Integrate again.',
        ),
        { section: 'integrations' },
      );
    }
    const error = one(q.error);
    if (error !== undefined) {
      const reason = consentErrorReason(error, one(q.error_description));
      logger.warn(
        { actor: actorOf(ctx), action: 'entra.consent-denied', companyId, error },
        'console: admin consent not given',
      );
      return flashAndRedirect(ctx, { kind: 'error', text: reason }, integrationsPath);
    }
    const tenantId = one(q.tenant);
    if (
      one(q.admin_consent)?.toLowerCase() !== 'true' ||
      tenantId === undefined ||
      !/^[A-Za-z0-9.-]{1,100}$/.test(tenantId)
    ) {
      return flashAndRedirect(
        ctx,
        {
          kind: 'error',
          text: 'Microsoft Entra ID answered without a consented tenant: click Integrate to try again.',
        },
        integrationsPath,
      );
    }
    await ensureDefaultCompany(db);
    await connectEntra(db, companyId, tenantId);
    entra?.forgetTenant({ tenantId });
    logger.info(
      { actor: actorOf(ctx), action: 'entra.connected', companyId, tenantId },
      'console: Entra integration connected',
    );
    const resync = await startResync('Entra integration connected from the console');
    await flashAndRedirect(
      ctx,
      {
        kind: resync ? 'info' : 'error',
        text: resync
          ? `Admin consent given for tenant ${tenantId}. Every employee is being brought up to date.`
          : `Admin consent given for tenant ${tenantId}, but Temporal did not answer: employees catch up when it does.`,
      },
      integrationsPath,
    );
  });
  router.get(`${integrationsPath}/entra/remove`, (ctx) => {
    page(
      ctx,
      'Remove integration',
      confirmPage({
        title: 'Remove integration',
        question:
          'Remove the Microsoft Entra ID (Azure AD) integration? Joiner stops writing to Entra ID. Nothing is lost: ' +
          'changes from HR are kept, and Integrate brings every employee up to date again.',
        action: `${integrationsPath}/entra/remove`,
        confirmLabel: 'Remove integration',
        cancelHref: integrationsPath,
        csrf: state(ctx).csrf,
      }),
      { section: 'integrations' },
    );
  });
  router.post(`${integrationsPath}/entra/remove`, async (ctx) => {
    const company = await disconnectEntra(db, companyId);
    if (company?.entraTenantId) entra?.forgetTenant({ tenantId: company.entraTenantId });
    logger.info(
      { actor: actorOf(ctx), action: 'entra.removed', companyId, tenantId: company?.entraTenantId ?? null },
      'console: Entra integration removed',
    );
    await flashAndRedirect(
      ctx,
      {
        kind: 'info',
        text: 'Integration removed. Graph work is paused; HR changes are kept until you integrate again.',
      },
      integrationsPath,
    );
  });

  /** The connected tenant's verified domains for the Preview; null when unknown (not connected, Entra slow). */
  async function verifiedDomainsOrNull(): Promise<string[] | null> {
    const tenantId = await getConnectedTenantId(db, companyId);
    if (entra === undefined || tenantId === null) return null;
    try {
      const outcome = await waitAtMost(entra.listVerifiedDomains({ tenantId }), 3_000);
      return outcome.settled ? outcome.value.map((d) => d.name) : null;
    } catch {
      return null;
    }
  }

  /** Starts a resync of every employee of the company; false when Temporal did not answer in time. */
  async function startResync(reason: string): Promise<boolean> {
    try {
      // A gRPC deadline ends the call itself; the wait is tracked so the connection outlives it.
      const outcome = await deps.temporal.inFlight.waitAtMost(
        deps.temporal.client.withDeadline(Date.now() + 5_000, () =>
          requestResync(deps.temporal.client, {
            taskQueue: deps.temporal.taskQueue,
            companyId,
            scope: ResyncScope.All,
            reason,
          }),
        ),
        5_000,
      );
      return outcome.settled;
    } catch (err) {
      logger.warn({ err, companyId }, 'company resync not started');
      return false;
    }
  }

  // --- Access tokens ------------------------------------------------------------------------------------------
  const tokensPath = '/settings/access-tokens';
  const tenantUrl = `${config.PUBLIC_URL}/scim/v2`;
  /** The Access tokens page with the company's tokens, plus what this answer adds (form errors, the new token). */
  const renderTokensPage = async (
    ctx: Context,
    extra: Pick<Parameters<typeof accessTokensPage>[0], 'errors' | 'values' | 'created'> = {},
    flash: SessionFlash | null = null,
  ) =>
    page(
      ctx,
      'Access tokens',
      accessTokensPage({ tokens: await listAccessTokens(db, companyId), csrf: state(ctx).csrf, tenantUrl, ...extra }),
      { section: 'access-tokens', flash },
    );
  router.get(tokensPath, async (ctx) => renderTokensPage(ctx, {}, await takeFlash(ctx)));
  router.post(tokensPath, async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const rawName = typeof body.name === 'string' ? body.name : '';
    const rawDescription = typeof body.description === 'string' ? body.description : '';
    const name = checkAccessTokenField(AccessTokenName, rawName);
    const description = checkAccessTokenField(AccessTokenDescription, rawDescription);
    if (!name.ok || !description.ok) {
      ctx.status = 400;
      return renderTokensPage(ctx, {
        errors: {
          name: name.ok
            ? undefined
            : rawName.trim() === ''
              ? 'Enter a name, e.g. "Entra provisioning".'
              : `The name ${name.problem}.`,
          description: description.ok ? undefined : `The description ${description.problem}.`,
        },
        values: { name: rawName.trim(), description: rawDescription.trim() },
      });
    }
    await ensureDefaultCompany(db);
    const { token, accessToken } = await createAccessToken(db, {
      companyId,
      name: name.value,
      description: description.value || null,
    });
    logger.info(
      {
        actor: actorOf(ctx),
        action: 'access-token.created',
        companyId,
        tokenId: accessToken.id,
        name: accessToken.name,
      },
      'console: access token created',
    );
    ctx.status = 201;
    return renderTokensPage(ctx, { created: { token, name: name.value } });
  });
  router.get(`${tokensPath}/:id/revoke`, async (ctx) => {
    const token = (await listAccessTokens(db, companyId)).find((t) => t.id === ctx.params.id && t.revokedAt === null);
    if (token === undefined)
      return flashAndRedirect(ctx, { kind: 'error', text: 'No such active access token.' }, tokensPath);
    page(
      ctx,
      'Revoke access token',
      confirmPage({
        title: 'Revoke access token',
        question: `Revoke the access token “${token.name}”? Entra's provisioning requests with it are refused from now on.`,
        action: `${tokensPath}/${token.id}/revoke`,
        confirmLabel: 'Revoke',
        cancelHref: tokensPath,
        csrf: state(ctx).csrf,
      }),
      { section: 'access-tokens' },
    );
  });
  router.post(`${tokensPath}/:id/revoke`, async (ctx) => {
    const tokenId = ctx.params.id!;
    const revoked = await revokeAccessToken(db, companyId, tokenId);
    if (revoked) {
      logger.info(
        { actor: actorOf(ctx), action: 'access-token.revoked', companyId, tokenId },
        'console: access token revoked',
      );
    }
    await flashAndRedirect(
      ctx,
      revoked
        ? { kind: 'info', text: 'Access token revoked.' }
        : { kind: 'error', text: 'No such active access token.' },
      tokensPath,
    );
  });

  // --- Employees ----------------------------------------------------------------------------------------------
  const phases = new Set<string>([...Object.values(LifecyclePhase), notStartedPhase]);
  router.get('/employees', async (ctx) => {
    const one = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    const search = one(ctx.query.q)?.slice(0, 200);
    const phaseParam = one(ctx.query.phase);
    if (phaseParam !== undefined && !phases.has(phaseParam)) {
      ctx.status = 400;
      return page(ctx, 'Employees', messagePage(`There is no phase “${phaseParam}”.`), { section: 'employees' });
    }
    const query: EmployeeListQuery = {
      search: search ?? null,
      phase: (phaseParam as EmployeePhaseFilter | undefined) ?? null,
      limit: employeePageSize,
      after: one(ctx.query.after)?.slice(0, 200) ?? null,
      before: one(ctx.query.before)?.slice(0, 200) ?? null,
    };
    if (query.after !== null) query.before = null;
    const [list, phaseCounts] = await Promise.all([
      listEmployeeViews({ db, client: deps.temporal.client }, companyId, query),
      countEmployeesByPhase(db, companyId),
    ]);
    const unanswered = [...list.workflows.values()].find((w) => w.status === 'unavailable');
    page(
      ctx,
      'Employees',
      employeesPage({
        page: list,
        query,
        phaseCounts,
        temporalNote:
          unanswered?.status === 'unavailable'
            ? `${unanswered.reason}: phases are as last recorded, pending timers unknown.`
            : null,
      }),
      { section: 'employees', flash: await takeFlash(ctx) },
    );
  });
  router.get('/employees/:id', async (ctx) => {
    const employeeId = ctx.params.id!;
    const view = await getEmployeeView({ db, client: deps.temporal.client }, companyId, employeeId, {
      verifiedDomains: await verifiedDomainsOrNull(),
    });
    if (view === null) {
      ctx.status = 404;
      return page(ctx, 'Employee not found', messagePage(`There is no employee with HR id “${employeeId}”.`), {
        section: 'employees',
      });
    }
    page(
      ctx,
      [view.employee.snapshot.firstName, view.employee.snapshot.lastName].filter(Boolean).join(' ') || employeeId,
      employeePage({
        view,
        csrf: state(ctx).csrf,
        temporalUiUrl: config.TEMPORAL_UI_URL,
        namespace: config.TEMPORAL_NAMESPACE,
      }),
      { section: 'employees', flash: await takeFlash(ctx) },
    );
  });
  router.post('/employees/:id/resync', async (ctx) => {
    const employeeId = ctx.params.id!;
    const back = `/employees/${encodeURIComponent(employeeId)}`;
    if ((await getEmployee(db, companyId, employeeId)) === null) {
      ctx.status = 404;
      return page(ctx, 'Employee not found', messagePage(`There is no employee with HR id “${employeeId}”.`), {
        section: 'employees',
      });
    }
    try {
      await resyncEmployee({ db, temporal: { ...deps.temporal, deliveryTimeoutMs: 5_000 } }, companyId, employeeId);
      logger.info(
        { actor: actorOf(ctx), action: 'employee.resync', companyId, employeeId },
        'console: employee resync sent',
      );
      await flashAndRedirect(ctx, { kind: 'info', text: 'Resync sent: the workflow writes what differs.' }, back);
    } catch (err) {
      logger.warn({ err, actor: actorOf(ctx), companyId, employeeId }, 'console: employee resync not sent');
      await flashAndRedirect(
        ctx,
        { kind: 'error', text: `The resync was not sent: ${(err as Error).message}. Try again.` },
        back,
      );
    }
  });

  // --- Accounts -----------------------------------------------------------------------------------------------
  router.get('/accounts', async (ctx) => {
    const [accounts, groups] = await Promise.all([
      listScimAccounts(db, companyId, { limit: 500 }),
      listScimGroups(db, companyId, undefined, { startIndex: 1, count: 200 }),
    ]);
    const members = await scimGroupMembersOf(
      db,
      groups.rows.map((g) => g.id),
    );
    const employeeNames = await employeeDisplayNames(
      db,
      companyId,
      accounts.map((a) => a.employeeId).filter((id): id is string => id !== null),
    );
    page(
      ctx,
      'Accounts',
      accountsPage({
        accounts,
        groups: groups.rows.map((g) => ({ ...g, members: members.get(g.id) ?? [] })),
        employeeNames,
      }),
      { section: 'accounts' },
    );
  });

  return router;
}
