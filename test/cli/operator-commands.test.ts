/**
 * The `joiner` operator commands, run as the real bin in a child process: usage and exit codes, on a stopped
 * installation (the embedded database opened directly), and while `joiner start` holds it (through the admin API).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../cli/ports';
import { JoinerProcess, runJoiner } from './run-joiner';

jest.setTimeout(180_000);

/** The one line a failing command prints. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('joiner usage', () => {
  it.each([
    [[]],
    [['tokens', 'create']],
    [['employees', 'list']],
    [['employees', 'show']],
    [['resync']],
    [['send-hr-event']],
    [['status']],
  ])('prints help for %j --help and exits 0', async (args) => {
    const run = await runJoiner([...args, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: joiner${args.length === 0 ? '' : ` ${args.join(' ')}`}`);
  });

  it.each([
    [['employees', 'list', '--phase', 'sleeping'], /--phase/],
    [['resync', '--scope', 'some'], /--scope/],
    [['employees', 'show'], /missing required argument 'id'/],
    [['tokens', 'create'], /--name/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('answers %j with exit code 2 and says what is wrong', async (args, message) => {
    const run = await runJoiner(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('names a bad variable in one line with exit code 2', async () => {
    const run = await runJoiner(['status'], { PORT: 'eighty' });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toMatch(/^joiner: .*PORT: must be a number/);
  });
});

describe('joiner on a stopped installation (embedded database opened directly)', () => {
  let dataDir: string;
  const env = () => ({ DATA_DIR: dataDir });
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'joiner-cli-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('migrates, then creates, lists and revokes a token', async () => {
    const migrated = await runJoiner(['migrate'], env());
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain('database migrated (embedded');

    const created = await runJoiner(['tokens', 'create', '--name', 'Entra provisioning'], env());
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token.length).toBeGreaterThan(30);

    const listed = await runJoiner(['tokens', 'list', '--json'], env());
    expect(listed.code).toBe(0);
    const tokens = JSON.parse(listed.stdout) as { id: string; name: string; displayPrefix: string; revokedAt: null }[];
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ name: 'Entra provisioning', revokedAt: null });
    expect(token.startsWith(tokens[0]!.displayPrefix)).toBe(true);
    expect(listed.stdout).not.toContain(token);

    expect((await runJoiner(['tokens', 'revoke', tokens[0]!.id], env())).code).toBe(0);
    const again = await runJoiner(['tokens', 'revoke', tokens[0]!.id], env());
    expect(again.code).toBe(1);
    expect(oneLine(again.stderr)).toContain(`no active token ${tokens[0]!.id}`);
  });

  it('lists no employees, and fails to show one that does not exist', async () => {
    const listed = await runJoiner(['employees', 'list'], env());
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('no employees match');
    const shown = await runJoiner(['employees', 'show', 'emp_nobody'], env());
    expect(shown.code).toBe(1);
    expect(oneLine(shown.stderr)).toBe('joiner: company default has no employee "emp_nobody"');
  });

  it('says a resync needs Temporal, and reports status with Temporal unchecked', async () => {
    const resync = await runJoiner(['resync'], env());
    expect(resync.code).toBe(2);
    expect(oneLine(resync.stderr)).toMatch(/needs Temporal: set TEMPORAL_ADDRESS/);

    const status = await runJoiner(['status', '--json'], env());
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      database: { status: 'ok' },
      temporal: { status: 'unchecked', reason: 'TEMPORAL_ADDRESS is not set' },
      companies: [{ companyId: 'default', entraStatus: 'disconnected' }],
    });
  });

  it('sends no HR event without WEBHOOK_SECRET (2), and fails to reach a Joiner that is not running (1)', async () => {
    const file = path.join(dataDir, 'event.json');
    await writeFile(file, JSON.stringify({ type: 'employee.created', data: { employee: { id: 'emp_x' } } }));
    const noSecret = await runJoiner(['send-hr-event', file], env());
    expect(noSecret.code).toBe(2);
    expect(oneLine(noSecret.stderr)).toContain('set WEBHOOK_SECRET');

    const port = await freePort();
    const down = await runJoiner(['send-hr-event', file, '--url', `http://127.0.0.1:${port}`], {
      ...env(),
      WEBHOOK_SECRET: 's',
    });
    expect(down.code).toBe(1);
    expect(oneLine(down.stderr)).toMatch(/cannot reach Joiner at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });
});

describe('joiner while `joiner start` runs (through its admin API)', () => {
  let dataDir: string;
  let joiner: JoinerProcess;
  let cliEnv: Record<string, string>;
  const adminPassword = 'cli-admin-password';
  const webhookSecret = 'cli-webhook-secret';

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'joiner-cli-running-'));
    joiner = JoinerProcess.start('start', {
      DATA_DIR: dataDir,
      ADMIN_PASSWORD: adminPassword,
      WEBHOOK_SECRET: webhookSecret,
    });
    const running = await joiner.logged('joiner is running (API and worker)');
    cliEnv = {
      DATA_DIR: dataDir,
      ADMIN_PASSWORD: adminPassword,
      WEBHOOK_SECRET: webhookSecret,
      PUBLIC_URL: `http://127.0.0.1:${String(running.port)}`,
    };
  }, 120_000);

  afterAll(async () => {
    await joiner.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('without ADMIN_PASSWORD says the database is in use and what to set', async () => {
    const run = await runJoiner(['tokens', 'list'], { DATA_DIR: dataDir });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toMatch(/is in use by a running Joiner .*set ADMIN_PASSWORD/);
  });

  it('creates and lists a token through the running Joiner', async () => {
    const created = await runJoiner(['tokens', 'create', '--name', 'while running'], cliEnv);
    expect(created.code).toBe(0);
    const listed = await runJoiner(['tokens', 'list', '--json'], cliEnv);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: 'while running', revokedAt: null })]);
  });

  it('sends an HR event, then lists and shows the employee with its workflow state and a Temporal UI link', async () => {
    const file = path.join(dataDir, 'ada.json');
    await writeFile(
      file,
      JSON.stringify({
        type: 'employee.created',
        data: { employee: { id: 'emp_ada', firstName: 'Ada', lastName: 'Lovelace', workEmail: 'ada@contoso.com' } },
      }),
    );
    const sent = await runJoiner(['send-hr-event', file, '--json'], cliEnv);
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({
      status: 202,
      answer: { status: 'accepted', employeeId: 'emp_ada' },
    });

    const listed = await runJoiner(['employees', 'list', '--search', 'lovelace'], cliEnv);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^emp_ada\t.*\tAda Lovelace\tada@contoso\.com/m);

    // The workflow creates the Entra user asynchronously: ask until it reports the object id.
    let view: { workflow: { status: string; state?: { entraObjectId: string | null } }; temporalUiUrl: string };
    for (const deadline = Date.now() + 60_000; ;) {
      const shown = await runJoiner(['employees', 'show', 'emp_ada', '--json'], cliEnv);
      expect(shown.code).toBe(0);
      view = JSON.parse(shown.stdout) as typeof view;
      if (view.workflow.state?.entraObjectId || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(view.workflow.status).toBe('answered');
    expect(view.workflow.state?.entraObjectId).toEqual(expect.any(String));
    expect(view.temporalUiUrl).toMatch(/\/namespaces\/default\/workflows\/employee%2Fdefault%2Femp_ada$/);

    const text = await runJoiner(['employees', 'show', 'emp_ada'], cliEnv);
    expect(text.stdout).toContain('employee emp_ada of company default');
    expect(text.stdout).toContain('pending timers');
  });

  it('resyncs a company to the end and prints a summary', async () => {
    const run = await runJoiner(['resync', '--company', 'default', '--json'], cliEnv);
    expect(run.code).toBe(0);
    const [result] = JSON.parse(run.stdout) as {
      companyId: string;
      status: { status: string; progress: { redriven: number; failed: number } };
    }[];
    expect(result).toMatchObject({ companyId: 'default', status: { status: 'completed', progress: { failed: 0 } } });
    expect(result!.status.progress.redriven).toBeGreaterThanOrEqual(1);

    const text = await runJoiner(['resync', '--company', 'default'], cliEnv);
    expect(text.stdout).toMatch(/resync of company default \(all\): \d+ employees looked at, \d+ re-driven, 0 failed/);
  });

  it('reports the database and Temporal as ok', async () => {
    const run = await runJoiner(['status', '--json'], cliEnv);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      database: { status: 'ok' },
      temporal: { status: 'ok' },
      companies: [{ companyId: 'default', entraStatus: 'connected' }],
    });
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const started = Date.now();
    expect(await joiner.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
