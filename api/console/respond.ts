/**
 * What every page's route handlers share: the company the console manages, the signed-in session, answering with a
 * whole page or a confirmation, the audit log line of an action, and the session's one-time message (flash) that
 * survives the redirect after a form post.
 */
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { defaultCompanyId } from '../../store/companies';
import type { SessionFlash } from '../../store/console-sessions';
import { clearSessionFlash, setSessionFlash } from '../../store/console-sessions';
import type { Db } from '../../store/db';
import type { ConsoleState } from './auth';
import { actorOf } from './auth';
import type { Html, LayoutOptions } from './html';
import { confirmPage, layout } from './html';

/** The console manages the default company (the one HR webhooks without a company id belong to). */
export const consoleCompanyId = defaultCompanyId;

/** The signed-in request's session and CSRF token (only behind `requireSession`). */
export function sessionOf(ctx: Context): ConsoleState {
  return ctx.state as ConsoleState;
}

/** Answers with a whole page in the layout; the navigation shows when the request is signed in. */
export function renderPage(
  ctx: Context,
  title: string,
  body: Html,
  extra: Partial<Omit<LayoutOptions, 'title' | 'body' | 'csrf'>> = {},
): void {
  const state = ctx.state as Partial<ConsoleState>;
  ctx.type = 'html';
  ctx.body = layout({ title, body, csrf: state.csrf, ...extra });
}

/** Answers a signed-in request with a page that asks before a destructive action, under the title it asks with. */
export function renderConfirmPage(
  ctx: Context,
  section: LayoutOptions['section'],
  confirm: Omit<Parameters<typeof confirmPage>[0], 'csrf'>,
): void {
  renderPage(ctx, confirm.title, confirmPage({ ...confirm, csrf: sessionOf(ctx).csrf }), { section });
}

/**
 * The audit log line of a state-changing action (docs/console.md, Audit log): at info, who did it (`actor`), the
 * action's name, the company, and what the action touched: ids, a token's name (never a secret or personal data).
 */
export function logConsoleAction(
  logger: Logger,
  ctx: Context,
  action: string,
  message: string,
  touched: Record<string, string | null> = {},
): void {
  logger.info({ actor: actorOf(ctx), action, companyId: consoleCompanyId, ...touched }, message);
}

/** The session's one-time message, cleared once shown. */
export async function takeFlash(db: Db, ctx: Context): Promise<SessionFlash | null> {
  const { session } = sessionOf(ctx);
  if (session.flash !== null) await clearSessionFlash(db, session.id);
  return session.flash;
}

/** Keeps a one-time message on the session and redirects (post, redirect, get: a refresh does not post again). */
export async function flashAndRedirect(db: Db, ctx: Context, flash: SessionFlash, to: string): Promise<void> {
  await setSessionFlash(db, sessionOf(ctx).session.id, flash);
  ctx.redirect(to);
}
