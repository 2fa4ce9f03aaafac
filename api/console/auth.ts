/**
 * Console sign-in: the administrator password (env ADMIN_PASSWORD, compared in constant time), sessions in the
 * database (cookie HttpOnly, SameSite=Lax, Secure when PUBLIC_URL is https; only the token's hash is stored), a CSRF
 * token on every form, and a limit on failed sign-ins per client address.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import type { ConsoleSession } from '../../store/console-sessions';
import { createConsoleSession, deleteConsoleSession, findConsoleSession } from '../../store/console-sessions';
import type { Db } from '../../store/db';

export const sessionCookie = 'joiner_session';
/** The sign-in form's CSRF cookie (double submit: there is no session yet to bind it to). */
export const signInCookie = 'joiner_signin';
/** A session lasts this long after sign-in. */
export const sessionLifetimeMs = 12 * 60 * 60_000;

/** What a signed-in request carries in `ctx.state`. */
export interface ConsoleState {
  session: ConsoleSession;
  /** The CSRF token of this session, for the page's forms. */
  csrf: string;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Equal strings, compared in constant time (over their hashes, so the length leaks nothing either). */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

/** The CSRF token of a session: derived from its secret cookie token, so it needs no storage. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('joiner console csrf').digest('base64url');
}

/** Cookie attributes: HttpOnly, SameSite=Lax, path `/`, Secure when the console is served over https. */
export function setCookie(ctx: Context, name: string, value: string, options: { secure: boolean; maxAgeS: number }) {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${options.maxAgeS}`];
  if (options.secure) parts.push('Secure');
  // Written by hand: Koa refuses Secure cookies when TLS ends at a proxy in front of Joiner (ctx.secure is false).
  ctx.append('Set-Cookie', parts.join('; '));
}

/**
 * Failed sign-ins per client address in a sliding window: at most `maxFailures` per `windowMs`, then refused until
 * the oldest failure leaves the window. In memory, per API process (each process limits on its own).
 */
export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Milliseconds until `client` may try again; 0 when it may now. */
  retryAfterMs(client: string, now = Date.now()): number {
    const recent = this.recent(client, now);
    if (recent.length < this.maxFailures) return 0;
    return recent[0]! + this.windowMs - now;
  }

  recordFailure(client: string, now = Date.now()): void {
    const recent = this.recent(client, now);
    recent.push(now);
    this.failures.set(client, recent);
    // Bounded memory under a spray of addresses: forget the oldest client first.
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  reset(client: string): void {
    this.failures.delete(client);
  }

  private recent(client: string, now: number): number[] {
    return (this.failures.get(client) ?? []).filter((at) => at > now - this.windowMs);
  }
}

/** Who did something, for the structured log: the administrator's session (a short id) and address. Never a secret. */
export function actorOf(ctx: Context): { kind: 'admin'; session: string; ip: string } {
  const state = ctx.state as Partial<ConsoleState>;
  return { kind: 'admin', session: state.session?.id.slice(0, 8) ?? 'none', ip: ctx.ip };
}

export interface AuthDeps {
  db: Db;
  adminPassword: string;
  secureCookies: boolean;
  limiter: SignInLimiter;
  logger: Logger;
}

/** Loads the session of the cookie into `ctx.state` (or nothing); every console route runs behind it. */
export function loadSession(db: Db) {
  return async (ctx: Context, next: Next) => {
    const token = ctx.cookies.get(sessionCookie);
    if (token !== undefined && /^[A-Za-z0-9_-]{43}$/.test(token)) {
      const session = await findConsoleSession(db, token);
      if (session !== null) Object.assign(ctx.state, { session, csrf: csrfTokenFor(token) } satisfies ConsoleState);
    }
    await next();
  };
}

/** Sends a visitor without a session to the sign-in page; checks the CSRF token of every signed-in form post. */
export function requireSession() {
  return async (ctx: Context, next: Next) => {
    const state = ctx.state as Partial<ConsoleState>;
    if (state.session === undefined) {
      if (ctx.method === 'GET' || ctx.method === 'HEAD') {
        ctx.redirect(`/sign-in?next=${encodeURIComponent(ctx.originalUrl)}`);
        return;
      }
      ctx.status = 401;
      ctx.type = 'text';
      ctx.body = 'Your session has ended: sign in again.';
      return;
    }
    if (ctx.method === 'POST') {
      const presented = (ctx.request.body as Record<string, unknown> | undefined)?._csrf;
      if (typeof presented !== 'string' || !constantTimeEqual(presented, state.csrf!)) {
        ctx.status = 403;
        ctx.type = 'text';
        ctx.body =
          'This form has expired or did not come from the console (CSRF check failed): reload the page and try again.';
        return;
      }
    }
    await next();
  };
}

/** A new random value for the sign-in form's double-submit cookie. */
export function newSignInToken(): string {
  return randomBytes(24).toString('base64url');
}

export type SignInResult =
  | { outcome: 'signed-in' }
  | { outcome: 'wrong-password' }
  | { outcome: 'limited'; retryAfterS: number }
  | { outcome: 'csrf' };

/** Checks a sign-in post; on success starts a session and sets its cookie. Logs the attempt without the password. */
export async function signIn(
  ctx: Context,
  deps: AuthDeps,
  password: unknown,
  formToken: unknown,
): Promise<SignInResult> {
  const cookieToken = ctx.cookies.get(signInCookie);
  if (typeof formToken !== 'string' || cookieToken === undefined || !constantTimeEqual(formToken, cookieToken)) {
    return { outcome: 'csrf' };
  }
  const client = ctx.ip;
  const waitMs = deps.limiter.retryAfterMs(client);
  if (waitMs > 0) {
    deps.logger.warn({ actor: { kind: 'anonymous', ip: client } }, 'console sign-in refused: too many failed attempts');
    return { outcome: 'limited', retryAfterS: Math.ceil(waitMs / 1000) };
  }
  if (typeof password !== 'string' || !constantTimeEqual(password, deps.adminPassword)) {
    deps.limiter.recordFailure(client);
    deps.logger.warn({ actor: { kind: 'anonymous', ip: client } }, 'console sign-in failed: wrong password');
    return { outcome: 'wrong-password' };
  }
  deps.limiter.reset(client);
  const { token, session } = await createConsoleSession(deps.db, sessionLifetimeMs);
  setCookie(ctx, sessionCookie, token, { secure: deps.secureCookies, maxAgeS: sessionLifetimeMs / 1000 });
  setCookie(ctx, signInCookie, '', { secure: deps.secureCookies, maxAgeS: 0 });
  deps.logger.info({ actor: { kind: 'admin', session: session.id.slice(0, 8), ip: client } }, 'console: signed in');
  return { outcome: 'signed-in' };
}

/** Ends the session and clears its cookie. */
export async function signOut(ctx: Context, deps: Pick<AuthDeps, 'db' | 'secureCookies' | 'logger'>): Promise<void> {
  const state = ctx.state as Partial<ConsoleState>;
  if (state.session !== undefined) {
    await deleteConsoleSession(deps.db, state.session.id);
    deps.logger.info({ actor: actorOf(ctx) }, 'console: signed out');
  }
  setCookie(ctx, sessionCookie, '', { secure: deps.secureCookies, maxAgeS: 0 });
}
