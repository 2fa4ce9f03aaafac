/**
 * Settings → Integrations → "Microsoft Entra ID (Azure AD)": Integrate (admin consent and its callback), the live
 * Connected / Disconnected status, Remove integration. The consent URL and the live check are `../integration.ts`.
 */
import type Router from '@koa/router';
import { connectCompanyTenant } from '../../../orchestration/company-changes';
import { disconnectEntra, ensureDefaultCompany } from '../../../store/companies';
import { randomSecret, setConsentState, takeConsentState } from '../../../store/console-sessions';
import type { AppDeps } from '../../deps';
import { actorOf } from '../auth';
import type { Html } from '../html';
import { csrfField, html, messagePage, raw, time } from '../html';
import type { IntegrationStatus } from '../integration';
import { adminConsentUrl, checkIntegration, consentErrorReason, requiredPermissions } from '../integration';
import {
  consoleCompanyId as companyId,
  flashAndRedirect,
  logConsoleAction,
  renderConfirmPage,
  renderPage,
  sessionOf,
  takeFlash,
} from '../respond';

const integrationsPath = '/settings/integrations';

export function integrationsPage(options: {
  status: IntegrationStatus;
  csrf: string;
  /** False when this process cannot start a consent (no Entra credentials). */
  canIntegrate: boolean;
}): Html {
  const { status } = options;
  const integrate = html`<form method="post" action="/settings/integrations/entra/integrate">
    ${csrfField(options.csrf)}
    <button type="submit" ${options.canIntegrate ? '' : raw('disabled')}>Integrate</button>
  </form>`;
  const remove = html`<a class="button secondary" href="/settings/integrations/entra/remove">Remove integration</a>`;
  let body: Html;
  if (status.state === 'connected') {
    body = html`<p>
        <span class="status status-connected" id="entra-status">Connected</span>
      </p>
      <dl class="facts">
        <dt>Tenant id</dt>
        <dd class="mono" id="entra-tenant">${status.tenantId}</dd>
        <dt>Verified domains</dt>
        <dd id="entra-domains">${status.verifiedDomains.map((d) => d.name).join(', ') || '(none)'}</dd>
        <dt>Connected since</dt>
        <dd>${time(status.connectedAt)}</dd>
      </dl>
      <p class="muted">
        Employees whose work email is on a verified domain are created and updated in Microsoft Entra ID.
      </p>
      <div class="actions">${remove}</div>`;
  } else if (status.state === 'disconnected') {
    body = html`<p>
        <span class="status status-disconnected" id="entra-status">Disconnected</span>
      </p>
      <p id="entra-reason" role="alert">${status.reason}</p>
      <dl class="facts">
        <dt>Tenant id</dt>
        <dd class="mono" id="entra-tenant">${status.tenantId}</dd>
      </dl>
      <p class="muted">
        The status is checked each time this page loads: refresh the page to retry the connection. Changes from HR are
        kept and written to Entra ID once the connection works.
      </p>
      <div class="actions">${integrate} ${remove}</div>`;
  } else {
    body = html`<p>
        <span class="status status-disconnected" id="entra-status">Disconnected</span>
      </p>
      <p id="entra-reason">
        ${
          status.removedTenantId === null
            ? 'Not integrated yet.'
            : html`The integration with tenant <span class="mono">${status.removedTenantId}</span> was removed
                ${status.removedAt === null ? '' : html`on ${time(status.removedAt)}`}. Changes from HR are kept and
                written to Entra ID once you integrate again.`
        }
      </p>
      <p>Click Integrate and sign in to Microsoft as an administrator to grant Joiner:</p>
      <ul>
        ${requiredPermissions.map((p) => html`<li>${p.words} (<code>${p.permission}</code>)</li>`)}
      </ul>
      <div class="actions">${integrate}</div>`;
  }
  return html`<h1>Integrations</h1>
    <section class="card" aria-labelledby="entra-heading">
      <h2 id="entra-heading">Microsoft Entra ID (Azure AD)</h2>
      ${body}
    </section>`;
}

export function integrationsRoutes(router: Router, deps: AppDeps): void {
  const { db, config, logger, entra } = deps;

  router.get(integrationsPath, async (ctx) => {
    const company = await ensureDefaultCompany(db);
    const status = await checkIntegration(entra, company);
    renderPage(
      ctx,
      'Integrations',
      integrationsPage({ status, csrf: sessionOf(ctx).csrf, canIntegrate: entra !== undefined }),
      { section: 'integrations', flash: await takeFlash(db, ctx) },
    );
  });
  router.post(`${integrationsPath}/entra/integrate`, async (ctx) => {
    if (entra === undefined) {
      return flashAndRedirect(
        db,
        ctx,
        {
          kind: 'error',
          text: 'This API process has no Entra credentials: set ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET.',
        },
        integrationsPath,
      );
    }
    const consentState = randomSecret();
    await setConsentState(db, sessionOf(ctx).session.id, consentState);
    logConsoleAction(logger, ctx, 'entra.consent-requested', 'console: admin consent requested');
    ctx.redirect(adminConsentUrl(entra, config.PUBLIC_URL, consentState));
  });
  router.get(`${integrationsPath}/entra/callback`, async (ctx) => {
    const q = ctx.query;
    const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const consentState = one(q.state);
    if (consentState === undefined || !(await takeConsentState(db, sessionOf(ctx).session.id, consentState))) {
      logger.warn({ actor: actorOf(ctx), action: 'entra.consent-state-mismatch' }, 'console: consent answer refused');
      ctx.status = 400;
      return renderPage(
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
      return flashAndRedirect(db, ctx, { kind: 'error', text: reason }, integrationsPath);
    }
    const tenantId = one(q.tenant);
    if (
      one(q.admin_consent)?.toLowerCase() !== 'true' ||
      tenantId === undefined ||
      !/^[A-Za-z0-9.-]{1,100}$/.test(tenantId)
    ) {
      return flashAndRedirect(
        db,
        ctx,
        {
          kind: 'error',
          text: 'Microsoft Entra ID answered without a consented tenant: click Integrate to try again.',
        },
        integrationsPath,
      );
    }
    await ensureDefaultCompany(db);
    // Cached tokens of the tenant predate this consent; dropped before the resync needs fresh ones.
    entra?.forgetTenant({ tenantId });
    const { resync } = await connectCompanyTenant(
      deps,
      companyId,
      tenantId,
      'Entra integration connected from the console',
    );
    logConsoleAction(logger, ctx, 'entra.connected', 'console: Entra integration connected', { tenantId });
    await flashAndRedirect(
      db,
      ctx,
      {
        kind: resync !== null ? 'info' : 'error',
        text:
          resync !== null
            ? `Admin consent given for tenant ${tenantId}. Every employee is being brought up to date.`
            : `Admin consent given for tenant ${tenantId}, but Temporal did not answer: employees catch up when it does.`,
      },
      integrationsPath,
    );
  });
  router.get(`${integrationsPath}/entra/remove`, (ctx) => {
    renderConfirmPage(ctx, 'integrations', {
      title: 'Remove integration',
      question:
        'Remove the Microsoft Entra ID (Azure AD) integration? Joiner stops writing to Entra ID. Nothing is lost: ' +
        'changes from HR are kept, and Integrate brings every employee up to date again.',
      action: `${integrationsPath}/entra/remove`,
      confirmLabel: 'Remove integration',
      cancelHref: integrationsPath,
    });
  });
  router.post(`${integrationsPath}/entra/remove`, async (ctx) => {
    const company = await disconnectEntra(db, companyId);
    if (company?.entraTenantId) entra?.forgetTenant({ tenantId: company.entraTenantId });
    deps.outbox?.companyChanged(companyId);
    logConsoleAction(logger, ctx, 'entra.removed', 'console: Entra integration removed', {
      tenantId: company?.entraTenantId ?? null,
    });
    await flashAndRedirect(
      db,
      ctx,
      {
        kind: 'info',
        text: 'Integration removed. Graph work is paused; HR changes are kept until you integrate again.',
      },
      integrationsPath,
    );
  });
}
