/**
 * The lifecycle benchmarks' deployment, each piece a process of its own as in production: Temporal's dev server, the
 * Entra stand-in (`entra-sandbox --control`, over HTTPS), a throwaway PostgreSQL cluster, `joiner worker` and
 * `joiner api` (dist/cli/main.js: `npm run build` and `npm run build:sandbox` first). The benchmark's own process only
 * posts signed HR webhooks and reads the stand-in's request log through its control API; nothing is mocked.
 */
import https from 'node:https';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signAlexisPayload } from '../api/hr-webhook/signature';
import { freePort, joinerCommand, repoRoot, spawnChild, waitForHttp, type Child } from './lib/processes';
import { startPostgres, startTemporal } from './lib/services';

const secret = 'bench-secret';

/** One entry of the stand-in's request log (`GET /_sandbox/requests`). */
export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  at: string;
}

export interface StandInUser {
  id: string;
  props: Record<string, unknown>;
}

export interface Rig {
  tenantId: string;
  /** POSTs a signed webhook body to `joiner api`; resolves to the HTTP status. */
  post(body: unknown): Promise<number>;
  requests(): Promise<LoggedRequest[]>;
  clearRequests(): Promise<void>;
  users(): Promise<StandInUser[]>;
  close(): Promise<void>;
}

export interface RigOptions {
  /** The stand-in's app write budget (Graph's: 3,000 writes per 150 s). */
  budget?: { writes: number; windowMs: number };
  /** GRAPH_WRITES_PER_SECOND for the worker (default: Joiner's own, 20). */
  writesPerSecond?: number;
}

/** The stand-in prints `  NAME=value` lines to connect with (packages/entra-sandbox/src/main.ts). */
async function startStandIn(port: number, dataDir: string): Promise<{ child: Child; env: Record<string, string> }> {
  const child = spawnChild('entra-sandbox', [
    process.execPath,
    [
      path.join(repoRoot, 'packages', 'entra-sandbox', 'dist', 'main.js'),
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--control',
    ],
  ]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const out = child.output();
    if (out.includes('control API:')) {
      const env: Record<string, string> = {};
      for (const match of out.matchAll(/^\s+([A-Z_]+)=(\S+)$/gm)) env[match[1]!] = match[2]!;
      const cert = /trust it: export NODE_EXTRA_CA_CERTS=(\S+)/.exec(out)?.[1];
      if (cert === undefined) throw new Error(`the stand-in printed no certificate:\n${out}`);
      env.NODE_EXTRA_CA_CERTS = cert;
      return { child, env };
    }
    if (Date.now() > deadline) throw new Error(`the Entra stand-in did not start:\n${out}`);
    await sleep(100);
  }
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'joiner-bench-lifecycle-'));
  const children: Child[] = [];
  const [postgres, temporal] = await Promise.all([startPostgres(), startTemporal()]);
  const stopAll = async () => {
    for (const child of children.reverse()) await child.stop();
    await Promise.all([postgres.stop(), temporal.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const standIn = await startStandIn(await freePort(), path.join(dir, 'entra'));
    children.push(standIn.child);
    const standInUrl = standIn.env.GRAPH_BASE_URL!;
    const ca = readFileSync(standIn.env.NODE_EXTRA_CA_CERTS!);
    const agent = new https.Agent({ ca, keepAlive: true });
    const control = (method: string, route: string, body?: unknown) =>
      new Promise<unknown>((resolve, reject) => {
        const raw = body === undefined ? undefined : JSON.stringify(body);
        const req = https.request(
          `${standInUrl}/_sandbox${route}`,
          { method, agent, headers: raw ? { 'content-type': 'application/json' } : {} },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => {
              if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${route}: ${res.statusCode} ${text}`));
              else resolve(text === '' ? undefined : JSON.parse(text));
            });
          },
        );
        req.on('error', reject);
        req.end(raw);
      });
    if (options.budget) {
      await control('PATCH', '/settings', {
        throttling: { appWritesPerWindow: options.budget.writes, appWriteWindowMs: options.budget.windowMs },
      });
    }
    const env = {
      ...standIn.env,
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
      DATA_DIR: path.join(dir, 'joiner'),
      WEBHOOK_SECRET: secret,
      LOG_LEVEL: 'warn',
      ...(options.writesPerSecond ? { GRAPH_WRITES_PER_SECOND: String(options.writesPerSecond) } : {}),
    };
    const workerProbes = await freePort();
    const worker = spawnChild('joiner worker', joinerCommand(['worker']), {
      env: { ...env, METRICS_PORT: String(workerProbes) },
    });
    children.push(worker);
    await waitForHttp(`http://127.0.0.1:${workerProbes}/readyz`, worker, 120_000);
    const apiPort = await freePort();
    const api = spawnChild('joiner api', joinerCommand(['api']), {
      env: { ...env, PORT: String(apiPort), METRICS_PORT: String(await freePort()) },
    });
    children.push(api);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitForHttp(`${apiUrl}/healthz`, api, 120_000);
    const apiAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const tenantId = standIn.env.ENTRA_TENANT_ID!;
    return {
      tenantId,
      post(body: unknown) {
        const raw = JSON.stringify(body);
        return new Promise<number>((resolve, reject) => {
          const req = http.request(
            `${apiUrl}/webhooks/alexis`,
            {
              method: 'POST',
              agent: apiAgent,
              headers: {
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(raw),
                'x-alexis-signature': signAlexisPayload(secret, raw),
              },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', reject);
          req.end(raw);
        });
      },
      async requests() {
        return ((await control('GET', '/requests')) as { requests: LoggedRequest[] }).requests;
      },
      async clearRequests() {
        await control('DELETE', '/requests');
      },
      async users() {
        const state = (await control('GET', '/state')) as { users: Record<string, StandInUser[]> };
        return state.users[tenantId] ?? [];
      },
      async close() {
        apiAgent.destroy();
        agent.destroy();
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** An `employee.*` webhook body for the default company. */
export function hrEvent(type: string, employee: Record<string, unknown> & { id: string; version: number }) {
  return {
    id: `evt_${employee.id}_${employee.version}`,
    type,
    occurredAt: new Date().toISOString(),
    companyId: 'default',
    data: { employee },
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
