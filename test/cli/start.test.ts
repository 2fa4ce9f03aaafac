/**
 * `joiner start` as a user runs it: the built CLI (`npm test` builds dist/ and the Entra stand-in first), offline on
 * embedded defaults, and from a production install that lacks the dev-only `@joiner/entra-sandbox`.
 */
import type { ChildProcessByStdio } from 'node:child_process';
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Agent } from 'undici';
import { signAlexisPayload } from '../../api/hr-webhook/signature';

const repo = path.resolve(__dirname, '../..');

/** The process environment minus everything that configures Joiner, plus `env`. */
function joinerEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(ENTRA_|GRAPH_|TEMPORAL_ADDRESS|DATABASE_URL|WEBHOOK_SECRET|NODE_PATH|NODE_OPTIONS)/.test(name),
    ),
  );
  return { ...base, LOG_LEVEL: 'info', PORT: '0', ...env };
}

/** A started `node dist/cli/main.js start` whose JSON log lines can be awaited. */
class StartedJoiner {
  readonly logs: Record<string, unknown>[] = [];
  stderr = '';
  private readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessByStdio<null, Readable, Readable>) {
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('{')) this.logs.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static start(cwd: string, env: Record<string, string>): StartedJoiner {
    const child = spawn(process.execPath, [path.join(cwd, 'dist/cli/main.js'), 'start'], {
      cwd,
      env: joinerEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new StartedJoiner(child);
  }

  /** The first log line with this message; fails when the process exits before logging it. */
  async logged(msg: string): Promise<Record<string, unknown>> {
    for (;;) {
      const line = this.logs.find((l) => l.msg === msg);
      if (line) return line;
      const exited = await Promise.race([this.exited, new Promise((r) => setTimeout(() => r('waiting'), 100))]);
      if (exited !== 'waiting') throw new Error(`joiner start exited (${String(exited)}): ${this.stderr}`);
    }
  }

  exitCode(): Promise<number | null> {
    return this.exited;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

describe('joiner start', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'joiner-start-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('runs offline on embedded defaults with the default company connected to the Entra stand-in', async () => {
    const secret = 'start-test-secret';
    const joiner = StartedJoiner.start(repo, { DATA_DIR: dataDir, WEBHOOK_SECRET: secret });
    try {
      const standIn = await joiner.logged(
        'ENTRA_CLIENT_ID is not set: using the in-process Entra sandbox (a stand-in for Microsoft Entra ID)',
      );
      const connected = await joiner.logged('default company connected to its Entra tenant from configuration');
      expect(connected.tenantId).toBe(standIn.tenantId);
      const running = await joiner.logged('joiner is running (API and worker)');
      const api = `http://localhost:${String(running.port)}`;
      expect((await fetch(`${api}/healthz`)).status).toBe(200);

      // The README's hand-made onboarding reaches the stand-in's directory.
      const body = JSON.stringify({
        id: 'evt_start_1',
        type: 'employee.onboarded',
        occurredAt: '2026-11-22T10:00:00Z',
        companyId: 'default',
        data: {
          employee: { id: 'emp_1', version: 1, firstName: 'Ada', lastName: 'Lovelace', workEmail: 'ada@contoso.com' },
        },
      });
      const accepted = await fetch(`${api}/webhooks/alexis`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-alexis-signature': signAlexisPayload(secret, body) },
        body,
      });
      expect(accepted.status).toBeLessThan(300);

      const ca = await readFile(path.join(dataDir, 'entra-sandbox', 'entra-sandbox-cert.pem'), 'utf8');
      const dispatcher = new Agent({ connect: { ca } });
      try {
        const upnsInConnectedTenant = async () => {
          const res = await fetch(`${String(standIn.controlUrl)}/state`, { dispatcher });
          const state = (await res.json()) as { users: Record<string, { props: Record<string, unknown> }[]> };
          return (state.users[String(connected.tenantId)] ?? []).map((u) => u.props.userPrincipalName);
        };
        // The workflow creates the user asynchronously: watch the directory for a while, then look.
        let upns = await upnsInConnectedTenant();
        for (const deadline = Date.now() + 60_000; !upns.includes('ada@contoso.com') && Date.now() < deadline;) {
          await new Promise((r) => setTimeout(r, 200));
          upns = await upnsInConnectedTenant();
        }
        expect(upns).toContain('ada@contoso.com');
      } finally {
        await dispatcher.close();
      }
    } finally {
      expect(await joiner.stop()).toBe(0);
    }
  }, 120_000);

  describe('from a production install (no dev dependencies)', () => {
    let install: string;
    beforeEach(async () => {
      // What `npm ci --omit=dev` leaves plus the build: every installed package but the dev-only @joiner ones.
      install = await mkdtemp(path.join(os.tmpdir(), 'joiner-prod-install-'));
      await cp(path.join(repo, 'dist'), path.join(install, 'dist'), { recursive: true });
      await mkdir(path.join(install, 'node_modules'));
      for (const name of await readdir(path.join(repo, 'node_modules'))) {
        if (name === '@joiner' || name === '.bin') continue;
        await symlink(path.join(repo, 'node_modules', name), path.join(install, 'node_modules', name));
      }
    });
    afterEach(() => rm(install, { recursive: true, force: true }));

    it('without ENTRA_CLIENT_ID stops at once, saying what to set, before it opens anything', async () => {
      const joiner = StartedJoiner.start(install, { DATA_DIR: dataDir });
      expect(await joiner.exitCode()).toBe(1);
      expect(joiner.stderr).toContain(
        'joiner: ENTRA_CLIENT_ID is not set and the Entra sandbox (@joiner/entra-sandbox, a dev dependency) is not ' +
          'installed: set ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET',
      );
      expect(joiner.stderr.trim().split('\n')).toHaveLength(1);
      expect(await readdir(dataDir)).toEqual([]);
    });
  });
});
