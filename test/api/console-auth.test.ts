/**
 * The console's sign-in over plain HTTP (the browser suites cover the pages): the setup page without
 * ADMIN_PASSWORD, cookie attributes, sessions stored hashed, CSRF on forms, the limit on failed sign-ins, the consent
 * state bound to the session, and the log of who did what without a secret.
 */
import { Writable } from 'node:stream';
import { createApp, defaultRouters, type AppDeps } from '../../api/app';
import { createLogger } from '../../api/logger';
import { parseConfig } from '../../domain/config';
import { CallsInFlight } from '../../orchestration/deadline';
import { ensureDefaultCompany, getCompany } from '../../store/companies';
import { consoleSessions } from '../../store/schema';
import type { TestDatabase } from '../helpers/databases';
import { createTestDatabase } from '../helpers/databases';
import { serve, type ServedApp } from './serve';

const password = 'an administrator password';
const logLines: string[] = [];
const logger = createLogger({
  level: 'info',
  destination: new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
});

let database: TestDatabase;
const served: ServedApp[] = [];

async function start(env: Record<string, string>): Promise<string> {
  const deps: AppDeps = {
    db: database.db,
    // These routes never reach Temporal.
    temporal: { client: {} as AppDeps['temporal']['client'], taskQueue: 'test', inFlight: new CallsInFlight() },
    config: parseConfig({ LOG_LEVEL: 'silent', ...env }),
    logger,
    entra: {
      clientId: '11111111-2222-3333-4444-555555555555',
      authorityHost: 'https://login.example.test',
      probeConnection: () => Promise.reject(new Error('not called')),
      listVerifiedDomains: () => Promise.reject(new Error('not called')),
      forgetTenant: () => undefined,
    },
  };
  const app = await serve(createApp(deps, { console: defaultRouters.console! }));
  served.push(app);
  return app.url;
}

beforeAll(async () => {
  database = await createTestDatabase('pglite');
  await ensureDefaultCompany(database.db);
});
afterAll(async () => {
  for (const app of served) await app.close();
  await database.close();
});

/** A cookie jar of one: name=value pairs from Set-Cookie. */
function cookiesOf(res: Response): Map<string, string> {
  const jar = new Map<string, string>();
  for (const header of res.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const eq = pair!.indexOf('=');
    jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
  }
  return jar;
}

const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

/** GETs the sign-in form and posts `attempt` with its token; returns the answer. */
async function postSignIn(url: string, attempt: string): Promise<Response> {
  const form = await fetch(`${url}/sign-in`);
  const jar = cookiesOf(form);
  const formToken = /name="_signin" value="([^"]+)"/.exec(await form.text())![1]!;
  return fetch(`${url}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
    body: new URLSearchParams({ _signin: formToken, password: attempt, next: '/settings/access-tokens' }),
  });
}

describe('console sign-in', () => {
  it('without ADMIN_PASSWORD says how to set it, and nothing else is reachable', async () => {
    const url = await start({});
    for (const path of [
      '/',
      '/sign-in',
      '/employees',
      '/settings/access-tokens',
      '/settings/integrations/entra/callback',
    ]) {
      const res = await fetch(`${url}${path}`, { redirect: 'manual' });
      expect(res.status).toBe(503);
      const body = await res.text();
      expect(body).toContain('ADMIN_PASSWORD');
      expect(body).not.toContain('<nav');
    }
    const post = await fetch(`${url}/sign-in`, { method: 'POST', body: new URLSearchParams({ password: 'x' }) });
    expect(post.status).toBe(503);
  });

  it('signs in with a session cookie that is HttpOnly, SameSite=Lax and Secure under https, stored hashed', async () => {
    const url = await start({ ADMIN_PASSWORD: password, PUBLIC_URL: 'https://joiner.example.com' });
    const res = await postSignIn(url, password);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/settings/access-tokens');
    const header = res.headers.getSetCookie().find((c) => c.startsWith('joiner_session='))!;
    expect(header).toMatch(/; HttpOnly/);
    expect(header).toMatch(/; SameSite=Lax/);
    expect(header).toMatch(/; Secure/);
    const token = cookiesOf(res).get('joiner_session')!;
    const stored = await database.db.select().from(consoleSessions);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.some((s) => s.tokenHash === token)).toBe(false);

    const page = await fetch(`${url}/settings/access-tokens`, { headers: { cookie: `joiner_session=${token}` } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('Access tokens');
    expect(logLines.join('')).not.toContain(password);
    expect(logLines.join('')).not.toContain(token);
  });

  it('sets no Secure flag over plain http, and sends a visitor without a session to the sign-in page', async () => {
    const url = await start({ ADMIN_PASSWORD: password, PUBLIC_URL: 'http://localhost:3000' });
    const res = await postSignIn(url, password);
    expect(res.headers.getSetCookie().find((c) => c.startsWith('joiner_session='))).not.toMatch(/Secure/);
    const anonymous = await fetch(`${url}/employees`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe('/sign-in?next=%2Femployees');
  });

  it('refuses a signed-in form without its CSRF token, and a sign-in without the form’s token', async () => {
    const url = await start({ ADMIN_PASSWORD: password });
    const token = cookiesOf(await postSignIn(url, password)).get('joiner_session')!;
    const forged = await fetch(`${url}/settings/access-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `joiner_session=${token}` },
      body: new URLSearchParams({ name: 'forged', _csrf: 'not-the-token' }),
    });
    expect(forged.status).toBe(403);
    const noForm = await fetch(`${url}/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password }),
    });
    expect(noForm.status).toBe(403);
    expect(noForm.headers.getSetCookie().some((c) => c.startsWith('joiner_session='))).toBe(false);
  });

  it('limits failed sign-ins: after five wrong passwords even the right one is refused for a while', async () => {
    const url = await start({ ADMIN_PASSWORD: password });
    for (let i = 0; i < 5; i++) expect((await postSignIn(url, `wrong ${i}`)).status).toBe(401);
    const limited = await postSignIn(url, password);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toContain('Too many failed sign-ins');
    expect(logLines.join('')).not.toContain('wrong 1');
  });

  it('refuses a consent answer whose state this session did not start, and stores no tenant', async () => {
    const url = await start({ ADMIN_PASSWORD: password });
    const token = cookiesOf(await postSignIn(url, password)).get('joiner_session')!;
    const res = await fetch(
      `${url}/settings/integrations/entra/callback?admin_consent=True&tenant=evil-tenant&state=made-up`,
      { headers: { cookie: `joiner_session=${token}` } },
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('does not match');
    expect((await getCompany(database.db, 'default'))?.entraTenantId).toBeNull();
  });

  it('sends Integrate to the authority’s admin-consent URL with a state bound to the session', async () => {
    const url = await start({ ADMIN_PASSWORD: password, PUBLIC_URL: 'https://joiner.example.com' });
    const token = cookiesOf(await postSignIn(url, password)).get('joiner_session')!;
    const page = await (
      await fetch(`${url}/settings/integrations`, { headers: { cookie: `joiner_session=${token}` } })
    ).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const res = await fetch(`${url}/settings/integrations/entra/integrate`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `joiner_session=${token}` },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    expect(res.status).toBe(302);
    const consent = new URL(res.headers.get('location')!);
    expect(`${consent.origin}${consent.pathname}`).toBe('https://login.example.test/organizations/v2.0/adminconsent');
    expect(consent.searchParams.get('client_id')).toBe('11111111-2222-3333-4444-555555555555');
    expect(consent.searchParams.get('redirect_uri')).toBe(
      'https://joiner.example.com/settings/integrations/entra/callback',
    );
    const state = consent.searchParams.get('state')!;
    // Another session cannot use this state.
    const other = cookiesOf(await postSignIn(url, password)).get('joiner_session')!;
    const stolen = await fetch(
      `${url}/settings/integrations/entra/callback?admin_consent=True&tenant=t1&state=${state}`,
      { headers: { cookie: `joiner_session=${other}` } },
    );
    expect(stolen.status).toBe(400);
  });
});
