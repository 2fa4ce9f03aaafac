import { ClientSecretCredential } from '@azure/identity';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { Agent } from 'undici';
import type { EntraSandbox } from '../src';
import { startEntraSandbox } from '../src';

describe('the real Microsoft libraries against the Entra sandbox', () => {
  let entra: EntraSandbox;
  let dispatcher: Agent;

  beforeAll(async () => {
    entra = await startEntraSandbox({ control: true });
    dispatcher = new Agent({ connect: { ca: entra.caCertPem } });
  });
  afterAll(async () => {
    await dispatcher.close();
    await entra.close();
  });
  afterEach(() => entra.control.reset());

  function credential(tenantId = entra.tenantId, secret = entra.clientSecret): ClientSecretCredential {
    return new ClientSecretCredential(tenantId, entra.clientId, secret, {
      authorityHost: entra.url,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: entra.caCertPem },
    });
  }

  function graphClient(cred = credential()): Client {
    return Client.initWithMiddleware({
      authProvider: new TokenCredentialAuthenticationProvider(cred, {
        scopes: ['https://graph.microsoft.com/.default'],
      }),
      baseUrl: entra.url,
      customHosts: new Set(['localhost']),
      fetchOptions: { dispatcher },
    });
  }

  it('ClientSecretCredential gets a Graph token over HTTPS with tlsOptions.ca and serves the second from its cache', async () => {
    const cred = credential();
    const first = await cred.getToken('https://graph.microsoft.com/.default');
    const second = await cred.getToken('https://graph.microsoft.com/.default');
    expect(first.token.split('.')).toHaveLength(3);
    expect(second.token).toBe(first.token);
    expect(first.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3000_000);
  });

  it('the Graph client creates, reads, patches and deletes a user', async () => {
    const client = graphClient();
    const created = await client.api('/users').post({
      accountEnabled: true,
      displayName: 'Ada Lovelace',
      mailNickname: 'ada.lovelace',
      userPrincipalName: 'ada.lovelace@contoso.com',
      passwordProfile: { password: 'An4lytical!Engine', forceChangePasswordNextSignIn: true },
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.passwordProfile).toBeUndefined();

    await client.api(`/users/${created.id}`).patch({ jobTitle: 'Programmer', department: 'Engines' });
    const read = await client.api('/users/ada.lovelace@contoso.com').select(['id', 'jobTitle', 'department']).get();
    expect(read).toMatchObject({ id: created.id, jobTitle: 'Programmer', department: 'Engines' });

    await client.api(`/users/${created.id}`).delete();
    await expect(client.api(`/users/${created.id}`).get()).rejects.toMatchObject({
      statusCode: 404,
      code: 'Request_ResourceNotFound',
    });
  });

  it('the Graph client reads the verified domains from /organization', async () => {
    const org = (await graphClient().api('/organization').get()) as {
      value: { verifiedDomains: { name: string }[] }[];
    };
    const names = org.value[0]!.verifiedDomains.map((d) => d.name).sort();
    expect(names).toEqual(['contoso.com', 'contoso.onmicrosoft.com']);
  });

  it('a wrong secret surfaces as AADSTS7000215 from @azure/identity', async () => {
    await expect(
      credential(entra.tenantId, 'not-the-secret').getToken('https://graph.microsoft.com/.default'),
    ).rejects.toThrow(/AADSTS7000215/);
  });

  it('an unconsented tenant surfaces as AADSTS7000229 through the Graph client', async () => {
    const client = graphClient(credential(entra.unconsentedTenantId));
    await expect(client.api('/users').get()).rejects.toThrow(/AADSTS7000229/);
  });

  it('the RetryHandler honours Retry-After on an injected 429 and the call then succeeds', async () => {
    entra.control.addFault({ kind: 'throttle', count: 2, retryAfterSeconds: 0.05, path: '^/v1.0/users$' });
    const list = await graphClient().api('/users').get();
    expect(list.value).toEqual([]);
    const statuses = entra.control
      .requests()
      .filter((r) => r.path === '/v1.0/users')
      .map((r) => r.status);
    expect(statuses).toEqual([429, 429, 200]);
  });

  it('a GraphError carries the Graph error code and body for a duplicate userPrincipalName', async () => {
    const client = graphClient();
    const user = {
      accountEnabled: true,
      displayName: 'Grace Hopper',
      mailNickname: 'grace',
      userPrincipalName: 'grace@contoso.com',
      passwordProfile: { password: 'C0bol!Compiler' },
    };
    await client.api('/users').post(user);
    const err = (await client
      .api('/users')
      .post(user)
      .catch((e: unknown) => e)) as GraphError;
    expect(err).toBeInstanceOf(GraphError);
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('Request_BadRequest');
    expect(JSON.parse(err.body as string)).toMatchObject({
      details: [{ code: 'ObjectConflict', target: 'userPrincipalName' }],
    });
  });

  it('PageIterator-style paging follows @odata.nextLink back to the sandbox', async () => {
    const client = graphClient();
    for (let i = 0; i < 5; i++) {
      await client.api('/users').post({
        accountEnabled: true,
        displayName: `Pager ${i}`,
        mailNickname: `pager${i}`,
        userPrincipalName: `pager${i}@contoso.com`,
        passwordProfile: { password: 'Pag1ng!Works' },
      });
    }
    const seen: string[] = [];
    type Page = { value: { userPrincipalName: string }[]; '@odata.nextLink'?: string };
    let page = (await client.api('/users').top(2).select(['id', 'userPrincipalName']).get()) as Page;
    for (;;) {
      seen.push(...page.value.map((u) => u.userPrincipalName));
      if (!page['@odata.nextLink']) break;
      expect(page['@odata.nextLink']).toMatch(new RegExp(`^${entra.url}/v1.0/users\\?`));
      page = (await client.api(page['@odata.nextLink']).get()) as Page;
    }
    expect(seen).toEqual(['pager0', 'pager1', 'pager2', 'pager3', 'pager4'].map((a) => `${a}@contoso.com`));
  });
});
