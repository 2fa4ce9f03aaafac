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
import { Client, Connection } from '@temporalio/client';
import { Agent } from 'undici';
import { signAlexisPayload } from '../../api/hr-webhook/signature';
import { freePort } from '../../cli/ports';
import { defaultCompanyId, disconnectEntra, getCompany } from '../../store/companies';
import { databaseOptionsFromConfig, openDatabase } from '../../store/db';
import type { EmployeeLifecycleState } from '../../workflows/definitions';
import { employeeWorkflowId, stateQuery } from '../../workflows/definitions';

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

  /**
   * Stops it with SIGTERM: its exit code, and the error lines it logged while stopping (a shutdown that exits 1 logs
   * what it was stuck on or what failed) and, when it exits non-zero, its stderr: a failed stop says why.
   */
  async stop(): Promise<{ exitCode: number | null; errors: string[] }> {
    const from = this.logs.length;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const exitCode = await this.exited;
    const errors = this.logs
      .slice(from)
      .filter((l) => typeof l.level === 'number' && l.level >= 50)
      .map((l) => JSON.stringify(l));
    // An exit code set by no log line (an uncaught error) is explained by what the process wrote to stderr.
    if (exitCode !== 0) errors.push(`stderr: ${this.stderr.slice(-4_000)}`);
    return { exitCode, errors };
  }
}

/** POSTs an HR event to a running Joiner, signed with `secret`. */
async function postHr(api: string, secret: string, event: Record<string, unknown>): Promise<Response> {
  const body = JSON.stringify(event);
  return fetch(`${api}/webhooks/alexis`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-alexis-signature': signAlexisPayload(secret, body) },
    body,
  });
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('joiner start', () => {
  let dataDir: string;
  /** The dev server's Web UI port: a free one, never the default 8233 another run may hold. */
  let uiPort: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'joiner-start-'));
    uiPort = String(await freePort());
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('runs offline on embedded defaults with the default company connected to the Entra stand-in', async () => {
    const secret = 'start-test-secret';
    const joiner = StartedJoiner.start(repo, { DATA_DIR: dataDir, WEBHOOK_SECRET: secret, TEMPORAL_UI_PORT: uiPort });
    try {
      const temporal = await joiner.logged(`Temporal dev server running; its Web UI: http://localhost:${uiPort}`);
      expect(temporal.dbFile).toBe(path.join(dataDir, 'temporal', 'temporal.db'));
      expect((await fetch(`http://localhost:${uiPort}/`)).status).toBe(200);
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
      expect(await joiner.stop()).toEqual({ exitCode: 0, errors: [] });
    }
  }, 240_000);

  it('keeps workflows across a kill -9: the same run with its timer, and a later HR change applied once', async () => {
    const secret = 'durable-test-secret';
    const env = { DATA_DIR: dataDir, WEBHOOK_SECRET: secret, TEMPORAL_UI_PORT: uiPort };
    const today = new Date().toISOString().slice(0, 10);
    const leaveDate = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const employee = {
      id: 'emp_durable',
      firstName: 'Dora',
      lastName: 'Able',
      workEmail: 'dora.able@contoso.com',
      hireDate: today,
      offboardedDate: leaveDate,
    };
    const workflowId = employeeWorkflowId('default', employee.id);

    /** Runs `fn` with a client of the Temporal this Joiner started. */
    async function withTemporal<T>(joiner: StartedJoiner, fn: (client: Client) => Promise<T>): Promise<T> {
      const { address } = await joiner.logged(`Temporal dev server running; its Web UI: http://localhost:${uiPort}`);
      const connection = await Connection.connect({ address: String(address) });
      try {
        return await fn(new Client({ connection }));
      } finally {
        await connection.close();
      }
    }
    const stateWithTimer = (client: Client) =>
      eventually('an offboarding employee with its leave timer pending', async () => {
        const state: EmployeeLifecycleState = await client.workflow.getHandle(workflowId).query(stateQuery);
        return state.phase === 'offboarding' && state.pendingTimers.some((t) => t.kind === 'leave') ? state : undefined;
      });

    const first = StartedJoiner.start(repo, env);
    let before: { runId: string; timers: EmployeeLifecycleState['pendingTimers'] };
    try {
      const running = await first.logged('joiner is running (API and worker)');
      const api = `http://localhost:${String(running.port)}`;
      const onboarded = await postHr(api, secret, {
        id: 'evt_durable_1',
        type: 'employee.onboarded',
        occurredAt: new Date().toISOString(),
        companyId: 'default',
        data: { employee: { ...employee, version: 1 } },
      });
      expect(onboarded.status).toBe(202);
      before = await withTemporal(first, async (client) => {
        const state = await stateWithTimer(client);
        return { runId: (await client.workflow.getHandle(workflowId).describe()).runId, timers: state.pendingTimers };
      });
    } finally {
      first.child.kill('SIGKILL');
      await first.exitCode();
    }

    const second = StartedJoiner.start(repo, env);
    try {
      const running = await second.logged('joiner is running (API and worker)');
      const api = `http://localhost:${String(running.port)}`;
      await withTemporal(second, async (client) => {
        const handle = client.workflow.getHandle(workflowId);
        const description = await handle.describe();
        expect(description.runId).toBe(before.runId);
        expect(description.status.name).toBe('RUNNING');
        expect((await stateWithTimer(client)).pendingTimers).toEqual(before.timers);
      });

      const updated = await postHr(api, secret, {
        id: 'evt_durable_2',
        type: 'employee.updated',
        occurredAt: new Date().toISOString(),
        companyId: 'default',
        data: { employee: { ...employee, title: 'Engineer', version: 2 } },
      });
      expect(updated.status).toBe(202);
      const standIn = await second.logged(
        'ENTRA_CLIENT_ID is not set: using the in-process Entra sandbox (a stand-in for Microsoft Entra ID)',
      );
      const ca = await readFile(path.join(dataDir, 'entra-sandbox', 'entra-sandbox-cert.pem'), 'utf8');
      const dispatcher = new Agent({ connect: { ca } });
      try {
        const control = async <T>(what: string): Promise<T> =>
          (await (await fetch(`${String(standIn.controlUrl)}/${what}`, { dispatcher })).json()) as T;
        type State = { users: Record<string, { id: string; props: Record<string, unknown> }[]> };
        const users = await eventually('the new title in Entra', async () => {
          const all = (await control<State>('state')).users[String(standIn.tenantId)] ?? [];
          const dora = all.filter((u) => u.props.userPrincipalName === employee.workEmail);
          return dora.some((u) => u.props.jobTitle === 'Engineer') ? dora : undefined;
        });
        expect(users).toHaveLength(1);
        // Applied once: one write of the user since the restart (the stand-in logs the requests it served).
        await withTemporal(second, (client) =>
          eventually('the workflow settled', async () => {
            const state: EmployeeLifecycleState = await client.workflow.getHandle(workflowId).query(stateQuery);
            return state.reconciledHrVersion === 2 ? state : undefined;
          }),
        );
        const { requests } = await control<{ requests: { method: string; path: string }[] }>('requests');
        const writes = requests.filter((r) => r.method === 'PATCH' && r.path.includes(users[0]!.id));
        expect(writes).toHaveLength(1);
      } finally {
        await dispatcher.close();
      }
    } finally {
      expect(await second.stop()).toEqual({ exitCode: 0, errors: [] });
    }
  }, 360_000);

  it('leaves an integration removed in the console removed at the next start on the Entra stand-in', async () => {
    const env = { DATA_DIR: dataDir, TEMPORAL_UI_PORT: uiPort };
    const first = StartedJoiner.start(repo, env);
    try {
      await first.logged('default company connected to its Entra tenant from configuration');
      await first.logged('joiner is running (API and worker)');
    } finally {
      expect(await first.stop()).toEqual({ exitCode: 0, errors: [] });
    }
    // What the console's Remove integration stores (the embedded database is locked while Joiner runs).
    const database = await openDatabase(databaseOptionsFromConfig({ DATA_DIR: dataDir }));
    try {
      await disconnectEntra(database.db, defaultCompanyId);
    } finally {
      await database.close();
    }

    const second = StartedJoiner.start(repo, env);
    try {
      await second.logged('joiner is running (API and worker)');
      const said = second.logs.map((l) => l.msg);
      expect(said).toContain(
        'the default company’s Entra integration was removed: left removed (Integrate in the console connects it again)',
      );
      expect(said).not.toContain('default company connected to its Entra tenant from configuration');
    } finally {
      expect(await second.stop()).toEqual({ exitCode: 0, errors: [] });
    }
    const reopened = await openDatabase(databaseOptionsFromConfig({ DATA_DIR: dataDir }));
    try {
      expect((await getCompany(reopened.db, defaultCompanyId))?.entraStatus).toBe('disconnected');
    } finally {
      await reopened.close();
    }
  }, 240_000);

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
