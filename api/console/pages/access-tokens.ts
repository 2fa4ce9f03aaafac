/**
 * Settings → "Access tokens": the SCIM bearer tokens Entra's provisioning uses. "Name", "Description", "Save"; the
 * new token shown once in a dialog with the Tenant URL; the list; Revoke after a confirmation.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import {
  AccessTokenDescription,
  AccessTokenName,
  accessTokenDescriptionMaxLength,
  accessTokenNameMaxLength,
  checkAccessTokenField,
} from '../../../domain/access-token-fields';
import type { AccessTokenInfo } from '../../../store/access-tokens';
import { createAccessToken, listAccessTokens, revokeAccessToken } from '../../../store/access-tokens';
import { ensureDefaultCompany } from '../../../store/companies';
import type { SessionFlash } from '../../../store/console-sessions';
import type { AppDeps } from '../../deps';
import type { Html } from '../html';
import { csrfField, dataTable, html, raw, time } from '../html';
import {
  consoleCompanyId as companyId,
  flashAndRedirect,
  logConsoleAction,
  renderConfirmPage,
  renderPage,
  sessionOf,
  takeFlash,
} from '../respond';

const tokensPath = '/settings/access-tokens';

export function accessTokensPage(options: {
  tokens: AccessTokenInfo[];
  csrf: string;
  tenantUrl: string;
  created?: { token: string; name: string };
  errors?: { name?: string; description?: string };
  values?: { name: string; description: string };
}): Html {
  const { errors = {}, values = { name: '', description: '' } } = options;
  const dialog =
    options.created === undefined
      ? ''
      : html`<dialog open data-open aria-labelledby="token-dialog-title" id="token-dialog">
          <h2 id="token-dialog-title">Access token “${options.created.name}” created</h2>
          <p>Copy the token now: it is shown this once and cannot be read back.</p>
          <label for="new-token">Secret Token</label>
          <div class="token-box">
            <input type="text" id="new-token" readonly value="${options.created.token}" />
            <button type="button" data-copy="new-token">Copy</button>
          </div>
          <p id="new-token-status" role="status" class="muted"></p>
          <label for="tenant-url">Tenant URL</label>
          <div class="token-box">
            <input type="text" id="tenant-url" readonly value="${options.tenantUrl}" />
            <button type="button" data-copy="tenant-url" class="secondary">Copy</button>
          </div>
          <p id="tenant-url-status" role="status" class="muted"></p>
          <p class="muted">
            In the Azure portal, open the app's Provisioning tab, enter them as Tenant URL and Secret Token, and click
            Test Connection.
          </p>
          <form method="get" action="/settings/access-tokens">
            <button type="submit" data-close>Done</button>
          </form>
        </dialog>`;
  const fieldError = (id: string, message: string | undefined) =>
    message === undefined ? '' : html`<p class="error-text" id="${id}-error">${message}</p>`;
  const rows = options.tokens.map(
    (t) =>
      html`<tr>
        <td>${t.name}</td>
        <td>${t.description ?? ''}</td>
        <td class="mono">${t.displayPrefix}…</td>
        <td>${time(t.createdAt)}</td>
        <td>${time(t.lastUsedAt, 'never')}</td>
        <td>
          ${
            t.revokedAt === null
              ? html`<a href="/settings/access-tokens/${t.id}/revoke" aria-label="Revoke ${t.name}">Revoke</a>`
              : html`Revoked ${time(t.revokedAt)}`
          }
        </td>
      </tr>`,
  );
  return html`<h1>Access tokens</h1>
    ${dialog}
    <form method="post" action="/settings/access-tokens" class="card" novalidate>
      <h2>New access token</h2>
      ${csrfField(options.csrf)}
      <label for="token-name">Name</label>
      <input
        type="text"
        id="token-name"
        name="name"
        required
        maxlength="${accessTokenNameMaxLength}"
        value="${values.name}"
        ${errors.name === undefined ? '' : raw('aria-invalid="true" aria-describedby="token-name-error"')}
      />
      ${fieldError('token-name', errors.name)}
      <label for="token-description">Description</label>
      <textarea
        id="token-description"
        name="description"
        maxlength="${accessTokenDescriptionMaxLength}"
        ${errors.description === undefined ? '' : raw('aria-invalid="true" aria-describedby="token-description-error"')}
      >
${values.description}</textarea>
      ${fieldError('token-description', errors.description)}
      <div class="actions"><button type="submit">Save</button></div>
      <p class="muted">Tenant URL for Entra's provisioning: <code>${options.tenantUrl}</code></p>
    </form>
    <h2>Tokens</h2>
    ${dataTable({
      columns: ['Name', 'Description', 'Token', 'Created', 'Last used', 'Status'],
      rows,
      empty: 'No access tokens yet.',
    })}`;
}

export function accessTokensRoutes(router: Router, deps: AppDeps): void {
  const { db, config, logger } = deps;
  const tenantUrl = `${config.PUBLIC_URL}/scim/v2`;
  /** The Access tokens page with the company's tokens, plus what this answer adds (form errors, the new token). */
  const renderTokensPage = async (
    ctx: Context,
    extra: Pick<Parameters<typeof accessTokensPage>[0], 'errors' | 'values' | 'created'> = {},
    flash: SessionFlash | null = null,
  ) =>
    renderPage(
      ctx,
      'Access tokens',
      accessTokensPage({
        tokens: await listAccessTokens(db, companyId),
        csrf: sessionOf(ctx).csrf,
        tenantUrl,
        ...extra,
      }),
      { section: 'access-tokens', flash },
    );

  router.get(tokensPath, async (ctx) => renderTokensPage(ctx, {}, await takeFlash(db, ctx)));
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
    logConsoleAction(logger, ctx, 'access-token.created', 'console: access token created', {
      tokenId: accessToken.id,
      name: accessToken.name,
    });
    ctx.status = 201;
    return renderTokensPage(ctx, { created: { token, name: name.value } });
  });
  router.get(`${tokensPath}/:id/revoke`, async (ctx) => {
    const token = (await listAccessTokens(db, companyId)).find((t) => t.id === ctx.params.id && t.revokedAt === null);
    if (token === undefined)
      return flashAndRedirect(db, ctx, { kind: 'error', text: 'No such active access token.' }, tokensPath);
    renderConfirmPage(ctx, 'access-tokens', {
      title: 'Revoke access token',
      question: `Revoke the access token “${token.name}”? Entra's provisioning requests with it are refused from now on.`,
      action: `${tokensPath}/${token.id}/revoke`,
      confirmLabel: 'Revoke',
      cancelHref: tokensPath,
    });
  });
  router.post(`${tokensPath}/:id/revoke`, async (ctx) => {
    const tokenId = ctx.params.id!;
    const revoked = await revokeAccessToken(db, companyId, tokenId);
    if (revoked) {
      // "Refused from now on", as the confirmation says: not up to a second later in this process.
      deps.tokenVerifier?.revoked(tokenId);
      logConsoleAction(logger, ctx, 'access-token.revoked', 'console: access token revoked', { tokenId });
    }
    await flashAndRedirect(
      db,
      ctx,
      revoked
        ? { kind: 'info', text: 'Access token revoked.' }
        : { kind: 'error', text: 'No such active access token.' },
      tokensPath,
    );
  });
}
