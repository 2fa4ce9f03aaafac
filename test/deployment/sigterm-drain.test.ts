/**
 * SIGTERM as an orchestrator sends it (a rolling deploy, `docker stop`): `joiner api` stops accepting connections,
 * answers the requests it is in the middle of, and exits 0 within 30 s; what it answered 202 is kept and reaches
 * Temporal. Run as the built CLI (dist/cli/main.js) in child processes, against Temporal's dev server.
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { signAlexisPayload } from '../../api/hr-webhook/signature';
import { freePort } from '../../cli/ports';
import { employeeWorkflowId } from '../../workflows/definitions';
import { JoinerProcess } from '../cli/run-joiner';
import { startDevServer } from '../helpers/temporal';

jest.setTimeout(120_000);

const secret = 'drain-secret';

function onboarding(employeeId: string) {
  return JSON.stringify({
    id: `evt_${employeeId}`,
    type: 'employee.onboarded',
    occurredAt: new Date().toISOString(),
    companyId: 'default',
    data: {
      employee: {
        id: employeeId,
        version: 1,
        firstName: 'Ada',
        lastName: 'Drain',
        workEmail: `${employeeId}@contoso.com`,
      },
    },
  });
}

/** A webhook request whose body is only half sent: in flight until `finish()` sends the rest. */
interface HalfSentWebhook {
  /** Sends the rest of the body; resolves to the answer. */
  finish(): Promise<{ status: number; body: string }>;
  /** The answer (or the connection's error), whether the body was finished or not. */
  answered: Promise<{ status: number; body: string }>;
}

function startHalfSentWebhook(port: number, body: string): HalfSentWebhook {
  const req = http.request({
    host: '127.0.0.1',
    port,
    path: '/webhooks/alexis',
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-alexis-signature': signAlexisPayload(secret, body),
    },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  return {
    answered,
    finish: () => {
      req.end(body.slice(half));
      return answered;
    },
  };
}

function get(port: number, route: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: route, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

/** Resolves once a new connection to `port` is refused. */
async function untilRefused(port: number): Promise<void> {
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    });
    if (refused) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('joiner api on SIGTERM', () => {
  /** Waits up to 20 s for the workflows to exist (the outbox relay's first pass); resolves to those still missing. */
  async function untilWorkflowsExist(workflowIds: string[]): Promise<string[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const missing: string[] = [];
      for (const workflowId of workflowIds) {
        await client.workflow
          .getHandle(workflowId)
          .describe()
          .catch(() => missing.push(workflowId));
      }
      if (missing.length === 0 || Date.now() > deadline) return missing;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  let temporal: Awaited<ReturnType<typeof startDevServer>>;
  let connection: Connection;
  let client: Client;
  let dataDir: string;
  const running: JoinerProcess[] = [];

  beforeAll(async () => {
    temporal = await startDevServer();
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'joiner-drain-'));
  });
  afterAll(async () => {
    for (const joiner of running) await joiner.stop();
    await connection?.close();
    await temporal?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function startApi(): Promise<{ joiner: JoinerProcess; port: number }> {
    const port = await freePort();
    const joiner = JoinerProcess.start('api', {
      TEMPORAL_ADDRESS: temporal.address,
      DATA_DIR: dataDir,
      WEBHOOK_SECRET: secret,
      PORT: String(port),
    });
    running.push(joiner);
    await joiner.logged('joiner API is running');
    return { joiner, port };
  }

  it('answers the requests in flight, refuses new connections, exits 0 within 30 s, and keeps every 202', async () => {
    const { joiner, port } = await startApi();
    const employeeIds = ['emp_drain_1', 'emp_drain_2', 'emp_drain_3', 'emp_drain_4', 'emp_drain_5'];
    const inFlight = employeeIds.map((id) => startHalfSentWebhook(port, onboarding(id)));
    // Served after the connections opened before it were accepted and their headers read: they are in flight now.
    expect(await get(port, '/healthz')).toBe(200);

    const signalled = Date.now();
    joiner.child.kill('SIGTERM');
    await joiner.logged('stopping: no new work taken, the work in flight is finishing');
    await untilRefused(port);

    const answers = await Promise.all(inFlight.map((request) => request.finish()));
    expect(answers.map((a) => a.status)).toEqual(employeeIds.map(() => 202));
    expect(await joiner.exitCode()).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(30_000);
    expect(joiner.logs.find((l) => l.msg === 'stopped')).toMatchObject({ exitCode: 0 });

    // Nothing accepted is lost: on a restart, HR resending the events is told they are known, and every employee's
    // workflow exists in Temporal (delivered inline before the exit, or by the outbox relay after the restart).
    const again = await startApi();
    for (const id of employeeIds) {
      const resent = await startHalfSentWebhook(again.port, onboarding(id)).finish();
      expect(resent.status).toBe(200);
      expect(JSON.parse(resent.body)).toMatchObject({ status: 'duplicate' });
    }
    expect(await untilWorkflowsExist(employeeIds.map((id) => employeeWorkflowId('default', id)))).toEqual([]);
    expect(await again.joiner.stop()).toBe(0);
  });

  it('cuts a request that never ends after 10 s, exits 1 within 30 s, and says what was stuck', async () => {
    const { joiner, port } = await startApi();
    const neverFinished = startHalfSentWebhook(port, onboarding('emp_drain_stuck'));
    const cut = expect(neverFinished.answered).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await get(port, '/healthz')).toBe(200);

    const signalled = Date.now();
    joiner.child.kill('SIGTERM');
    expect(await joiner.exitCode()).toBe(1);
    expect(Date.now() - signalled).toBeLessThan(30_000);
    expect(joiner.logs.find((l) => l.level === 50)).toMatchObject({
      stuck: 'the HTTP server (requests in flight)',
      connections: 1,
    });
    await cut;
  });
});
