/* eslint-disable @typescript-eslint/no-explicit-any -- Graph JSON bodies are asserted field by field in tests */
import { Agent } from 'undici';
import type { EntraSandbox, EntraSandboxOptions } from '../src';
import { startEntraSandbox } from '../src';

/** A started sandbox plus a fetch that trusts its certificate and a token helper. */
export interface SandboxFixture {
  entra: EntraSandbox;
  dispatcher: Agent;
  /** fetch against the sandbox origin, trusting its certificate. */
  call(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** A Graph token for the default app in a tenant (default: the consented one). */
  token(tenantId?: string): Promise<string>;
  /** A JSON Graph call with the default token. */
  graph(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export async function startFixture(options: EntraSandboxOptions = {}): Promise<SandboxFixture> {
  const entra = await startEntraSandbox({ control: true, ...options });
  const dispatcher = new Agent({ connect: { ca: entra.caCertPem } });
  const tokens = new Map<string, string>();
  const call = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    return fetch(`${entra.url}${path}`, { ...init, headers, dispatcher });
  };
  const token = async (tenantId = entra.tenantId) => {
    const cached = tokens.get(tenantId);
    if (cached) return cached;
    const res = await call(`/${tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: entra.clientId,
        client_secret: entra.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    const body = (await res.json()) as { access_token?: string };
    if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
    tokens.set(tenantId, body.access_token);
    return body.access_token;
  };
  const graph = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await call(`/v1.0${path}`, {
      method,
      token: await token(),
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, headers: res.headers, body: parsed as any };
  };
  return {
    entra,
    dispatcher,
    call,
    token,
    graph,
    async close() {
      await dispatcher.close();
      await entra.close();
    },
  };
}

/** A valid create-user body for the Contoso tenant. */
export function newUserBody(alias: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accountEnabled: true,
    displayName: `User ${alias}`,
    mailNickname: alias,
    userPrincipalName: `${alias}@contoso.com`,
    passwordProfile: { password: 'Str0ng!Passw0rd', forceChangePasswordNextSignIn: true },
    ...extra,
  };
}
