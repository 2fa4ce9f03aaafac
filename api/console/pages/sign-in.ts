/**
 * Sign-in and sign-out (the mechanism, sessions and the limit on failures, is `../auth.ts`), and the setup page shown
 * instead of the whole console while ADMIN_PASSWORD is not set.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AuthDeps, ConsoleState } from '../auth';
import { newSignInToken, setCookie, signIn, signInCookie, signOut } from '../auth';
import type { Html } from '../html';
import { html, raw } from '../html';
import { renderPage } from '../respond';

/** The page shown when ADMIN_PASSWORD is not set: how to set it, and nothing else. */
export function setupPage(): Html {
  return html`<h1>Set an administrator password</h1>
    <div class="card">
      <p>The console is switched off because <code>ADMIN_PASSWORD</code> is not set.</p>
      <p>
        Set the environment variable <code>ADMIN_PASSWORD</code> of the Joiner API process to a long random password
        (for example <code>ADMIN_PASSWORD="$(openssl rand -base64 24)"</code>), restart it, and sign in here with that
        password.
      </p>
    </div>`;
}

export function signInPage(options: { formToken: string; next: string; error?: string }): Html {
  return html`<h1>Sign in</h1>
    <form method="post" action="/sign-in" class="card">
      <input type="hidden" name="_signin" value="${options.formToken}" />
      <input type="hidden" name="next" value="${options.next}" />
      ${
        options.error === undefined
          ? ''
          : html`<p class="error-text" role="alert" id="sign-in-error">${options.error}</p>`
      }
      <label for="password">Administrator password</label>
      <input
        type="password"
        id="password"
        name="password"
        autocomplete="current-password"
        required
        autofocus
        ${options.error === undefined ? '' : raw('aria-describedby="sign-in-error" aria-invalid="true"')}
      />
      <div class="actions"><button type="submit">Sign in</button></div>
    </form>`;
}

/** Only same-site paths are followed after sign-in. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) && !next.startsWith('/sign-') ? next : '/employees';
}

/** `GET|POST /sign-in`: the routes a visitor without a session may reach (registered before the session gate). */
export function signInRoutes(router: Router, auth: AuthDeps): void {
  const showSignIn = (ctx: Context, next: string, error?: string) => {
    const formToken = newSignInToken();
    setCookie(ctx, signInCookie, formToken, { secure: auth.secureCookies, maxAgeS: 3600 });
    renderPage(ctx, 'Sign in', signInPage({ formToken, next, error }));
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
}

/** `POST /sign-out`: behind the session gate, so it carries the session's CSRF token. */
export function signOutRoutes(router: Router, auth: AuthDeps): void {
  router.post('/sign-out', async (ctx) => {
    await signOut(ctx, auth);
    ctx.redirect('/sign-in');
  });
}
