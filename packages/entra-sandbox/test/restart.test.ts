import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEntraSandbox } from '../src';
import { newUserBody } from './helpers';
import { Agent } from 'undici';

// `npm test` builds the package's dist/ first (pretest): this is the `entra-sandbox` bin.
const mainJs = resolve(__dirname, '../dist/main.js');

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

  it('keeps every user it answered 201 for when it is killed -9 right after the answers', async () => {
    const killedDir = await mkdtemp(join(tmpdir(), 'entra-sandbox-kill-'));
    const child = spawn(process.execPath, [mainJs, '--port', '0', '--data-dir', killedDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
    try {
      const output = await new Promise<string>((resolveOutput, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('NODE_EXTRA_CA_CERTS=')) resolveOutput(text);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${text}`)));
      });
      const value = (name: string) => new RegExp(`${name}=(\\S+)`).exec(output)?.[1];
      const url = value('GRAPH_BASE_URL')!;
      const dispatcher = new Agent({ connect: { ca: await readFile(value('NODE_EXTRA_CA_CERTS')!, 'utf8') } });
      try {
        const tokenRes = await fetch(`${url}/${value('ENTRA_TENANT_ID')}/oauth2/v2.0/token`, {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: value('ENTRA_CLIENT_ID')!,
            client_secret: value('ENTRA_CLIENT_SECRET')!,
            scope: 'https://graph.microsoft.com/.default',
          }),
          dispatcher,
        });
        const { access_token: token } = (await tokenRes.json()) as { access_token: string };
        // Concurrent creates, as several workers send them: each answer comes only once its user is on disk.
        const names = Array.from({ length: 20 }, (_, i) => `acked${i}`);
        const statuses = await Promise.all(
          names.map(async (name) => {
            const res = await fetch(`${url}/v1.0/users`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify(newUserBody(name)),
              dispatcher,
            });
            await res.body?.cancel();
            return res.status;
          }),
        );
        expect(statuses).toEqual(names.map(() => 201));
      } finally {
        child.kill('SIGKILL');
        await exited;
        await dispatcher.close();
      }

      const restarted = await startEntraSandbox({ dataDir: killedDir, control: true });
      try {
        const users = restarted.control.state().users[restarted.tenantId] ?? [];
        const upns = users.map((user) => String(user.props.userPrincipalName));
        expect(upns.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `acked${i}@contoso.com`).sort());
      } finally {
        await restarted.close();
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
      await rm(killedDir, { recursive: true, force: true });
    }
  });
});
