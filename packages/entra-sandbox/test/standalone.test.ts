import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Agent } from 'undici';

// `npm test` builds the package's dist/ first (pretest): this is the `entra-sandbox` bin.
const mainJs = resolve(__dirname, '../dist/main.js');

describe('the entra-sandbox command (the standalone sandbox)', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'entra-sandbox-main-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('prints the tenant, app id and secret, the verified domains and how to trust the certificate, and serves them', async () => {
    const child = spawn(process.execPath, [mainJs, '--port', '0', '--data-dir', dataDir, '--control'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const output = await new Promise<string>((resolveOutput, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('control API')) resolveOutput(text);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${text}`)));
      });
      const value = (name: string) => new RegExp(`${name}=(\\S+)`).exec(output)?.[1];
      const url = value('GRAPH_BASE_URL')!;
      expect(url).toMatch(/^https:\/\/localhost:\d+$/);
      expect(value('ENTRA_AUTHORITY_HOST')).toBe(url);
      expect(output).toContain('verified domains: contoso.onmicrosoft.com, contoso.com');
      const certPath = value('NODE_EXTRA_CA_CERTS')!;
      expect(certPath).toBe(join(dataDir, 'entra-sandbox-cert.pem'));

      const dispatcher = new Agent({ connect: { ca: await readFile(certPath, 'utf8') } });
      try {
        const res = await fetch(`${url}/${value('ENTRA_TENANT_ID')}/oauth2/v2.0/token`, {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: value('ENTRA_CLIENT_ID')!,
            client_secret: value('ENTRA_CLIENT_SECRET')!,
            scope: 'https://graph.microsoft.com/.default',
          }),
          dispatcher,
        });
        expect(res.status).toBe(200);
      } finally {
        await dispatcher.close();
      }
    } finally {
      const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('refuses a bad option with a usage message and exit code 2', async () => {
    const child = spawn(process.execPath, [mainJs, '--tenant-size', 'huge'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolveExit) => child.once('exit', resolveExit));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--tenant-size must be small, medium or large/);
  });
});
