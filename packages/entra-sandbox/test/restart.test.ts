import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEntraSandbox } from '../src';
import { newUserBody } from './helpers';
import { Agent } from 'undici';

describe('restarting the sandbox on the same data dir', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'entra-sandbox-restart-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('reuses the certificate, ids, secret, signing key and users, so clients and tokens keep working', async () => {
    const first = await startEntraSandbox({ dataDir });
    const dispatcher = new Agent({ connect: { ca: first.caCertPem } });
    const tokenRes = await fetch(`${first.url}/${first.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: first.clientId,
        client_secret: first.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      }),
      dispatcher,
    });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const created = await fetch(`${first.url}/v1.0/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(newUserBody('survivor')),
      dispatcher,
    });
    expect(created.status).toBe(201);
    await first.close();

    const second = await startEntraSandbox({ dataDir });
    try {
      expect(second.caCertPem).toBe(first.caCertPem);
      expect(second.caCertPath).toBe(first.caCertPath);
      expect([second.tenantId, second.clientId, second.clientSecret]).toEqual([
        first.tenantId,
        first.clientId,
        first.clientSecret,
      ]);
      // The same CA-pinned agent (a client that trusted the first start) and the old token still work.
      const read = await fetch(`${second.url}/v1.0/users/survivor@contoso.com`, {
        headers: { authorization: `Bearer ${token}` },
        dispatcher,
      });
      expect(read.status).toBe(200);
    } finally {
      await dispatcher.close();
      await second.close();
    }
  });
});
