/**
 * The one multi-process rig of the deployment tests and the benchmarks: every piece a process of its own, as in
 * production. A throwaway PostgreSQL cluster, Temporal's dev server (`temporal server start-dev` on a SQLite file, with
 * Joiner's search attributes, on a free port), the Entra stand-in over HTTPS (`entra-sandbox --control`, whose control
 * API serves its users and request log), N `joiner api` and M `joiner worker` processes from dist/cli/main.js
 * (`npm run build` and `npm run build:sandbox` first), and the HR system's webhook sender (./hr-sender.ts). Each can be
 * killed (kill -9 or SIGTERM) and started again on the same ports and data; Temporal can be started again empty, with
 * or without the search attributes. No port is fixed; every child is killed when the process that started it exits
 * (./processes.ts); a child that exits before it answers fails the start with its last log lines.
 *
 * ```ts
 * const rig = await startRig({ apis: 2, workers: 2 });
 * const employees = onboardings('emp_rel', 300);
 * const sender = rig.send(employees.map((e) => e.event), { rate: 50 });
 * await sender.acknowledged(150);
 * await rig.temporal.restart({ empty: true });
 * const report = await rig.converge(employees, 60_000);
 * await rig.close();
 * ```
 */
import http from 'node:http';
import https from 'node:https';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { signAlexisPayload } from '../../api/hr-webhook/signature';
import { devServerArgs, untilDevServerAnswers } from '../../cli/temporal-dev-server';
import { isAddressInUse, onFreePort, PortTakenError } from '../../cli/ports';
import { findTemporalCli } from '../../cli/temporal-tools';
import {
  findPostgresBinDir,
  killPostgresCluster,
  restartPostgresCluster,
  startPostgresCluster,
  stopPostgresCluster,
} from '../helpers/postgres-cluster';
import type { HrSendOutcome, HrSendSpec, HrSendSummary } from './hr-sender';
import { freePort, joinerCommand, repoRoot, sleep, spawnChild, tsxCommand, waitForHttp, type Child } from './processes';

export { sleep };

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

export interface RigPostgres {
  /** URL of the `joiner` database (empty: Joiner migrates it when it opens it). */
  url: string;
  /** The server's own URL (superuser, database `postgres`). */
  serverUrl: string;
  /** Kills the server (kill -9 of the postmaster: its backends exit with it). */
  kill(): Promise<void>;
  /** Starts the killed server again on the same port and data. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A throwaway cluster with a `joiner` database. The cluster runs with fsync off (test/helpers/postgres-cluster.ts);
 * the database commits synchronously, so a 202 still waits for its commit as it would in a deployment.
 */
export async function startPostgres(): Promise<RigPostgres> {
  const binDir = findPostgresBinDir();
  if (binDir === undefined) throw new Error('PostgreSQL is not installed (initdb and pg_ctl; set PG_BIN)');
  const cluster = await startPostgresCluster(binDir);
  const client = new Client({ connectionString: cluster.url });
  await client.connect();
  try {
    await client.query('create database joiner');
    await client.query('alter database joiner set synchronous_commit = on');
  } finally {
    await client.end();
  }
  const url = new URL(cluster.url);
  url.pathname = '/joiner';
  return {
    url: url.toString(),
    serverUrl: cluster.url,
    kill: () => killPostgresCluster(cluster),
    start: () => restartPostgresCluster(cluster),
    stop: () => stopPostgresCluster(cluster),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Temporal

export interface TemporalStartOptions {
  /** Delete the server's database first: it starts with nothing (no workflows, no schedules). */
  empty?: boolean;
  /** Register Joiner's search attributes at start (default true; an empty server without them when false). */
  searchAttributes?: boolean;
}

export interface RigTemporal {
  /** host:port of the frontend; the same across restarts. */
  address: string;
  /** The SQLite file that holds its state. */
  dbFile: string;
  /** The running server (the last one started). */
  readonly child: Child;
  /** Sends `signal` (default kill -9) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (it must have exited); resolves with the ms until it answered. */
  start(options?: TemporalStartOptions): Promise<number>;
  /** kill -9, then {@link start}. */
  restart(options?: TemporalStartOptions): Promise<number>;
  /** SIGTERM, and deletes its database. */
  stop(): Promise<void>;
}

/** Temporal's dev server (the real server on SQLite), headless, on a free port, its database in a temp dir. */
export async function startTemporal(options: TemporalStartOptions = {}): Promise<RigTemporal> {
  const cli = findTemporalCli();
  if (cli === undefined) throw new Error('the Temporal CLI is not installed (npm run setup:temporal)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'joiner-rig-temporal-'));
  const dbFile = path.join(dir, 'temporal.db');
  let port = 0;
  let child: Child | undefined;
  const start = async (start: TemporalStartOptions = {}) => {
    if (child?.alive) throw new Error('the Temporal dev server is still running');
    if (start.empty) {
      // SQLite's journal files with it: a database deleted without them is not empty.
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${dbFile}${suffix}`, { force: true });
    }
    const started = performance.now();
    // Throwaway state, like the rig's PostgreSQL (fsync off): the disk's flushes must not be what is measured.
    const args = devServerArgs({ dbFile, searchAttributes: start.searchAttributes ?? true, syncWrites: false }, port);
    child = spawnChild('temporal dev server', [cli.path, args]);
    const server = child;
    try {
      await untilDevServerAnswers(
        server.pid,
        port,
        server.exited.then(() => undefined),
        60_000,
      );
    } catch (err) {
      await server.kill();
      if (err instanceof PortTakenError || isAddressInUse(server.output())) throw new PortTakenError(port, String(err));
      throw new Error(`the Temporal dev server did not start: ${(err as Error).message}\n${server.output()}`, {
        cause: err,
      });
    }
    return performance.now() - started;
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    await child?.kill(signal);
  };
  // The first start takes a free port, and another one when a process took it first; restarts keep it.
  await onFreePort(async (free) => {
    port = free;
    return start(options);
  });
  return {
    address: `127.0.0.1:${port}`,
    dbFile,
    get child() {
      return child!;
    },
    kill,
    start,
    async restart(restart) {
      await kill();
      return start(restart);
    },
    async stop() {
      await child?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The Entra stand-in

/** One entry of the stand-in's request log (`GET /_sandbox/requests`). */
export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  at: string;
  /** For `$batch`: the method and URL of each item with its status. */
  items?: { method: string; url: string; status: number }[];
}

export interface StandInUser {
  id: string;
  props: Record<string, unknown>;
}

export interface StandIn {
  url: string;
  tenantId: string;
  /** What Joiner connects with: ENTRA_*, GRAPH_BASE_URL and NODE_EXTRA_CA_CERTS (its certificate). */
  env: Record<string, string>;
  child: Child;
  /** A call of the control API (`/_sandbox<route>`); resolves to the parsed answer. */
  control(method: string, route: string, body?: unknown): Promise<unknown>;
  /** The users of its tenant. */
  users(): Promise<StandInUser[]>;
  requests(): Promise<LoggedRequest[]>;
  clearRequests(): Promise<void>;
  stop(): Promise<void>;
}

/** `entra-sandbox --control` on a free port (it binds port 0 and says which), over HTTPS with its own certificate. */
export async function startStandIn(dataDir: string): Promise<StandIn> {
  const child = spawnChild('entra-sandbox', [
    process.execPath,
    [
      path.join(repoRoot, 'packages', 'entra-sandbox', 'dist', 'main.js'),
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--control',
    ],
  ]);
  const env: Record<string, string> = {};
  for (const deadline = Date.now() + 60_000; ;) {
    const out = child.output();
    if (out.includes('control API:')) {
      for (const match of out.matchAll(/^\s+([A-Z_]+)=(\S+)$/gm)) env[match[1]!] = match[2]!;
      const cert = /trust it: export NODE_EXTRA_CA_CERTS=(\S+)/.exec(out)?.[1];
      if (cert === undefined) throw new Error(`the stand-in printed no certificate:\n${out}`);
      env.NODE_EXTRA_CA_CERTS = cert;
      break;
    }
    if (!child.alive || Date.now() > deadline) {
      await child.kill();
      throw new Error(`the Entra stand-in did not start:\n${out}`);
    }
    await sleep(100);
  }
  const url = env.GRAPH_BASE_URL!;
  const tenantId = env.ENTRA_TENANT_ID!;
  const agent = new https.Agent({ ca: readFileSync(env.NODE_EXTRA_CA_CERTS), keepAlive: true });
  const control = (method: string, route: string, body?: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const raw = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        `${url}/_sandbox${route}`,
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
  return {
    url,
    tenantId,
    env,
    child,
    control,
    async users() {
      const state = (await control('GET', '/state')) as { users: Record<string, StandInUser[]> };
      return state.users[tenantId] ?? [];
    },
    async requests() {
      return ((await control('GET', '/requests')) as { requests: LoggedRequest[] }).requests;
    },
    async clearRequests() {
      await control('DELETE', '/requests');
    },
    async stop() {
      agent.destroy();
      await child.stop();
    },
  };
}

/** Users the stand-in created: `POST /users` answered 201, alone or inside a `$batch`. */
export function userCreates(log: readonly LoggedRequest[]): number {
  let creates = 0;
  for (const entry of log) {
    if (entry.method === 'POST' && /^\/v1\.0\/users\/?$/i.test(entry.path) && entry.status === 201) creates++;
    for (const item of entry.items ?? []) {
      if (item.method === 'POST' && /^\/?users\/?$/i.test(item.url) && item.status === 201) creates++;
    }
  }
  return creates;
}

// ---------------------------------------------------------------------------------------------------------------
// Joiner

export type JoinerRole = 'api' | 'worker';

export interface JoinerStartOptions {
  /**
   * What to wait for: `ready` (default) its `/readyz` answering 200 (database, Temporal and, for the worker, Entra
   * reachable), `healthy` its `/healthz` (the process serves; Temporal may be down), `none` nothing.
   */
  wait?: 'ready' | 'healthy' | 'none';
  timeoutMs?: number;
}

/** One `joiner api` or `joiner worker` process, which can be killed and started again on the same ports and data. */
export interface JoinerProcess {
  role: JoinerRole;
  name: string;
  /** The API's URL (`joiner api`), or the worker's probe listener (`/healthz`, `/readyz`, `/metrics`). */
  url: string;
  /** The running process (the last one started). */
  readonly child: Child;
  /** Starts it (it must not be running); resolves with the ms from the spawn until it answered. */
  start(options?: JoinerStartOptions): Promise<number>;
  /** Sends `signal` (default kill -9) to it and waits for it to exit; resolves with how it exited. */
  kill(signal?: NodeJS.Signals): Promise<number | string>;
  /** kill -9, then {@link start} at once. */
  restart(options?: JoinerStartOptions): Promise<number>;
  /** SIGTERM (then SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/**
 * The variables of this process's environment that would configure Joiner (or, NODE_OPTIONS, the node of a jest run),
 * set to undefined: a Joiner child is configured by the rig alone.
 */
function inheritedJoinerSettingsRemoved(): Record<string, undefined> {
  const configuring =
    /^(ENTRA_|GRAPH_|TEMPORAL_|DATABASE_URL$|DATA_DIR$|WEBHOOK_SECRET$|ADMIN_PASSWORD$|PORT$|METRICS_PORT$|LOG_LEVEL$|PUBLIC_URL$|NODE_OPTIONS$)/;
  return Object.fromEntries(
    Object.keys(process.env)
      .filter((name) => configuring.test(name))
      .map((name) => [name, undefined]),
  );
}

/**
 * A `joiner <role>` process with `env` (DATABASE_URL for PostgreSQL, else PGlite on DATA_DIR; TEMPORAL_ADDRESS; the
 * stand-in's variables for the worker). Not started yet: call `start()`. Its ports are chosen at the first start and
 * kept, so a restart serves the same URL.
 */
export function joinerProcess(role: JoinerRole, env: Record<string, string>, name = `joiner ${role}`): JoinerProcess {
  let ports: { port: number; metricsPort: number } | undefined;
  let child: Child | undefined;
  const url = () => `http://127.0.0.1:${role === 'api' ? ports!.port : ports!.metricsPort}`;
  const joiner: JoinerProcess = {
    role,
    name,
    get url() {
      if (ports === undefined) throw new Error(`${name} has not been started`);
      return url();
    },
    get child() {
      if (child === undefined) throw new Error(`${name} has not been started`);
      return child;
    },
    async start(options = {}) {
      if (child?.alive) throw new Error(`${name} is still running`);
      const firstStart = ports === undefined;
      // A free port can be taken by another process before the child binds it: a first start tries new ones.
      for (let attempt = 1; ; attempt++) {
        ports ??= { port: await freePort(), metricsPort: await freePort() };
        const started = performance.now();
        child = spawnChild(name, joinerCommand([role]), {
          env: {
            ...inheritedJoinerSettingsRemoved(),
            LOG_LEVEL: 'warn',
            ...env,
            PORT: String(ports.port),
            METRICS_PORT: String(ports.metricsPort),
          },
        });
        const wait = options.wait ?? 'ready';
        try {
          if (wait !== 'none') {
            await waitForHttp(
              `${url()}/${wait === 'ready' ? 'readyz' : 'healthz'}`,
              child,
              options.timeoutMs ?? 120_000,
            );
          }
          return performance.now() - started;
        } catch (err) {
          await child.kill();
          if (firstStart && attempt < 3 && child.output().includes('EADDRINUSE')) {
            ports = undefined;
            continue;
          }
          throw err;
        }
      }
    },
    async kill(signal = 'SIGKILL') {
      return child === undefined ? 'not started' : child.kill(signal);
    },
    async restart(options) {
      await joiner.kill();
      return joiner.start(options);
    },
    async stop() {
      await child?.stop();
    },
  };
  return joiner;
}

/**
 * `joiner api` on a free port with `env`, on PGlite unless `env` names DATABASE_URL, logging warnings only; resolves
 * once `/healthz` answers (Temporal need not be reachable).
 */
export async function startJoinerApi(env: Record<string, string>): Promise<JoinerProcess> {
  const api = joinerProcess('api', { DATABASE_URL: '', ...env });
  await api.start({ wait: 'healthy' });
  return api;
}

// ---------------------------------------------------------------------------------------------------------------
// HR events

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

/** An onboarding and the Entra user it must end in. */
export interface Onboarding {
  id: string;
  event: ReturnType<typeof hrEvent>;
  /** The Graph properties the user must have (docs/mapping.md). */
  expected: Record<string, unknown>;
}

/** `count` new employees `<prefix>_00000`… on a verified domain of the stand-in, hired a week ago (UTC). */
export function onboardings(prefix: string, count: number): Onboarding[] {
  const hireDate = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
  return Array.from({ length: count }, (_, i) => {
    const id = `${prefix}_${String(i).padStart(5, '0')}`;
    const email = `${id.toLowerCase()}@contoso.com`;
    const employee = {
      id,
      version: 1,
      firstName: 'Rig',
      lastName: `N${i}`,
      workEmail: email,
      title: 'Engineer',
      department: `D${i % 7}`,
      hireDate,
    };
    return {
      id,
      event: hrEvent('employee.onboarded', employee),
      expected: {
        userPrincipalName: email,
        mail: email,
        givenName: 'Rig',
        surname: `N${i}`,
        displayName: `Rig N${i}`,
        jobTitle: 'Engineer',
        department: `D${i % 7}`,
        employeeHireDate: `${hireDate}T00:00:00Z`,
      },
    };
  });
}

/** Where the stand-in stands against a list of onboardings. */
export interface ConvergenceReport {
  expected: number;
  /** Employees with exactly one user whose fields are all right. */
  complete: number;
  /** Employees without a user. */
  missing: string[];
  /** Employees with more than one user (by userPrincipalName). */
  duplicated: string[];
  /** Employees whose one user has a wrong field: `id: field=value`. */
  wrong: string[];
  /** Users created (`POST /users` answered 201) since the request log was last cleared. */
  creates: number;
  /** Seconds from the start of {@link Rig.converge} (or `since`) until complete, or until it gave up. */
  seconds: number;
}

function compare(users: readonly StandInUser[], employees: readonly Onboarding[]) {
  const byUpn = new Map<string, StandInUser[]>();
  for (const user of users) {
    const upn = String(user.props.userPrincipalName).toLowerCase();
    byUpn.set(upn, [...(byUpn.get(upn) ?? []), user]);
  }
  const missing: string[] = [];
  const duplicated: string[] = [];
  const wrong: string[] = [];
  for (const employee of employees) {
    const found = byUpn.get(String(employee.expected.userPrincipalName)) ?? [];
    if (found.length === 0) missing.push(employee.id);
    else if (found.length > 1) duplicated.push(employee.id);
    else {
      for (const [field, value] of Object.entries(employee.expected)) {
        const actual = found[0]!.props[field];
        const same =
          typeof value === 'string' && typeof actual === 'string' && field === 'employeeHireDate'
            ? Date.parse(actual) === Date.parse(value)
            : actual === value;
        if (!same) wrong.push(`${employee.id}: ${field}=${JSON.stringify(actual)}`);
      }
    }
  }
  return { missing, duplicated, wrong };
}

// ---------------------------------------------------------------------------------------------------------------
// The HR sender

export interface HrSender {
  /** How many events have been acknowledged (2xx) so far. */
  readonly acknowledgedCount: number;
  /** Resolves once `count` events are acknowledged; rejects when the sender ends first. */
  acknowledged(count: number): Promise<void>;
  /** The outcome of each event settled so far. */
  readonly outcomes: readonly HrSendOutcome[];
  /** Resolves with the summary once every event is settled. */
  done: Promise<HrSendSummary>;
  stop(): Promise<void>;
}

/**
 * Starts the HR system's sender (./hr-sender.ts, its own process): posts `bodies`, signed with `secret`, at `rate`
 * per second over `urls`, retrying each until acknowledged (see the sender's file comment).
 */
export function startHrSender(spec: HrSendSpec): HrSender {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'joiner-rig-sender-'));
  const file = path.join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  const child = spawnChild('hr sender', tsxCommand('test/deployment/hr-sender.ts', [file]));
  const outcomes: HrSendOutcome[] = [];
  let summary: HrSendSummary | undefined;
  let pending = '';
  const waiters = new Set<() => void>();
  child.process.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as HrSendOutcome | { summary: HrSendSummary };
      if ('summary' in parsed) summary = parsed.summary;
      else outcomes.push(parsed);
    }
    for (const wake of waiters) wake();
  });
  const acknowledgedCount = () => outcomes.filter((o) => o.status >= 200 && o.status < 300).length;
  const done = child.exited.then((code) => {
    rmSync(dir, { recursive: true, force: true });
    for (const wake of waiters) wake();
    if (code !== 0 || summary === undefined) throw new Error(`the HR sender exited with ${code}:\n${child.output()}`);
    return summary;
  });
  // A test that never awaits `done` (it failed earlier) must not see an unhandled rejection.
  done.catch(() => undefined);
  return {
    get acknowledgedCount() {
      return acknowledgedCount();
    },
    outcomes,
    acknowledged(count) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (acknowledgedCount() >= count) {
            waiters.delete(check);
            resolve();
          } else if (!child.alive) {
            waiters.delete(check);
            reject(new Error(`the HR sender ended with ${acknowledgedCount()} of ${count} events acknowledged`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    done,
    stop: () => child.stop(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The rig

export interface RigOptions {
  /** `joiner api` processes (default 1). */
  apis?: number;
  /** `joiner worker` processes (default 1). */
  workers?: number;
  /**
   * The app write budget (default Graph's: 3,000 writes per 150 s): the stand-in enforces it, and the workers pace to
   * it (GRAPH_WRITES_PER_SECOND and GRAPH_WRITE_WINDOW_SECONDS). `windowMs` is whole seconds.
   */
  budget?: { writes: number; windowMs: number };
  /** More environment for every Joiner process (LOG_LEVEL, …). */
  env?: Record<string, string>;
}

export interface Rig {
  dir: string;
  /** The webhook secret the API processes check. */
  secret: string;
  postgres: RigPostgres;
  temporal: RigTemporal;
  standIn: StandIn;
  apis: JoinerProcess[];
  workers: JoinerProcess[];
  /** The stand-in's tenant, which the default company is connected to. */
  tenantId: string;
  /** The stand-in's users, request log and its clearing ({@link StandIn}). */
  users(): Promise<StandInUser[]>;
  requests(): Promise<LoggedRequest[]>;
  clearRequests(): Promise<void>;
  /** The last `lines` lines of each Joiner process's output, under its name: what to print when a test fails. */
  tail(lines?: number): string;
  /** POSTs a signed webhook body to the first `joiner api` from this process; resolves to the HTTP status. */
  post(body: unknown): Promise<number>;
  /** Sends `bodies` from the HR sender's own process over every API, at `rate` per second. */
  send(bodies: unknown[], options: Omit<HrSendSpec, 'urls' | 'secret' | 'bodies'>): HrSender;
  /**
   * Polls the stand-in until every onboarding has exactly one user with the right fields, or `timeoutMs` passed;
   * resolves with the report either way (the caller asserts on it).
   */
  converge(employees: readonly Onboarding[], timeoutMs: number, since?: number): Promise<ConvergenceReport>;
  close(): Promise<void>;
}

const secret = 'rig-webhook-secret';

/** Starts PostgreSQL, Temporal, the stand-in, the workers and then the APIs, each ready before it returns. */
export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'joiner-rig-'));
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Side by side; each one started is stopped whatever happens to the others.
    const started = await Promise.allSettled([startPostgres(), startTemporal(), startStandIn(path.join(dir, 'entra'))]);
    for (const result of started) if (result.status === 'fulfilled') stops.push(() => result.value.stop());
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const [postgres, temporal, standIn] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      RigPostgres,
      RigTemporal,
      StandIn,
    ];
    if (options.budget) {
      await standIn.control('PATCH', '/settings', {
        throttling: { appWritesPerWindow: options.budget.writes, appWriteWindowMs: options.budget.windowMs },
      });
    }
    const env = {
      ...standIn.env,
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
      WEBHOOK_SECRET: secret,
      ...(options.budget
        ? {
            GRAPH_WRITES_PER_SECOND: String(options.budget.writes / (options.budget.windowMs / 1000)),
            GRAPH_WRITE_WINDOW_SECONDS: String(options.budget.windowMs / 1000),
          }
        : {}),
      ...options.env,
    };
    const numbered = (role: JoinerRole, count: number) =>
      Array.from({ length: count }, (_, i) =>
        joinerProcess(role, { ...env, DATA_DIR: path.join(dir, `${role}-${i + 1}`) }, `joiner ${role} ${i + 1}`),
      );
    const workers = numbered('worker', options.workers ?? 1);
    const apis = numbered('api', options.apis ?? 1);
    for (const joiner of [...workers, ...apis]) stops.push(() => joiner.stop());
    // The apis stop first (reverse order), so that no webhook is accepted while the workers go.
    // The first worker alone migrates the empty database; the others then start side by side.
    await workers[0]?.start();
    await Promise.all([...workers.slice(1), ...apis].map((joiner) => joiner.start()));
    const apiAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    stops.push(() => Promise.resolve(apiAgent.destroy()));
    return {
      dir,
      secret,
      postgres,
      temporal,
      standIn,
      apis,
      workers,
      tenantId: standIn.tenantId,
      users: () => standIn.users(),
      requests: () => standIn.requests(),
      clearRequests: () => standIn.clearRequests(),
      tail(lines = 30) {
        return [...workers, ...apis]
          .map((joiner) => {
            const output = joiner.child.output().trimEnd().split('\n').slice(-lines).join('\n');
            return `--- ${joiner.name} (last ${lines} lines)\n${output}`;
          })
          .join('\n');
      },
      post(body: unknown) {
        const raw = JSON.stringify(body);
        return new Promise<number>((resolve, reject) => {
          const req = http.request(
            `${apis[0]!.url}/webhooks/alexis`,
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
      send(bodies, sendOptions) {
        const sender = startHrSender({ ...sendOptions, urls: apis.map((a) => a.url), secret, bodies });
        stops.push(() => sender.stop());
        return sender;
      },
      async converge(employees, timeoutMs, since = performance.now()) {
        const deadline = since + timeoutMs;
        for (;;) {
          const [users, log] = await Promise.all([standIn.users(), standIn.requests()]);
          const { missing, duplicated, wrong } = compare(users, employees);
          const complete =
            employees.length - missing.length - duplicated.length - new Set(wrong.map((w) => w.split(':')[0])).size;
          const seconds = Math.round(performance.now() - since) / 1000;
          const done = missing.length === 0 && duplicated.length === 0 && wrong.length === 0;
          if (done || performance.now() > deadline) {
            return {
              expected: employees.length,
              complete,
              missing,
              duplicated,
              wrong,
              creates: userCreates(log),
              seconds,
            };
          }
          await sleep(500);
        }
      },
      close: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** True when the build the rig runs (dist/cli/main.js and the stand-in's dist/main.js) exists. */
export function rigIsBuilt(): boolean {
  return (
    existsSync(path.join(repoRoot, 'dist', 'cli', 'main.js')) &&
    existsSync(path.join(repoRoot, 'packages', 'entra-sandbox', 'dist', 'main.js'))
  );
}

/** What {@link onboardThrough} saw: the HR sender's summary and the stand-in against the onboardings. */
export interface DisruptedOnboarding {
  sent: HrSendSummary;
  report: ConvergenceReport;
  /**
   * One line with the figures (lost, duplicated, wrong, creates, time to converge, and the machine's load average,
   * without which a time means little), for the test's output.
   */
  figures: string;
}

/**
 * Sends `count` onboardings at `rate` per second from the HR sender, runs `disrupt` once `disruptAfter` of them are
 * acknowledged (kill something, restart it), then waits up to `convergeWithinMs` after `disrupt` resolved for every
 * employee to have exactly one right user in the stand-in. The caller asserts on the result.
 */
export async function onboardThrough(
  rig: Rig,
  options: {
    prefix: string;
    count: number;
    rate: number;
    disruptAfter: number;
    disrupt: () => Promise<void>;
    convergeWithinMs: number;
  },
): Promise<DisruptedOnboarding> {
  const employees = onboardings(options.prefix, options.count);
  const sender = rig.send(
    employees.map((e) => e.event),
    { rate: options.rate },
  );
  await sender.acknowledged(options.disruptAfter);
  await options.disrupt();
  const disrupted = performance.now();
  const sent = await sender.done;
  const report = await rig.converge(employees, options.convergeWithinMs, disrupted);
  const figures =
    `${report.complete}/${report.expected} users right ${report.seconds} s after the disruption ` +
    `(bound ${options.convergeWithinMs / 1000} s): lost ${report.missing.length}, duplicated ` +
    `${report.duplicated.length}, wrong ${report.wrong.length}, ${report.creates} creates; ` +
    `${sent.unacknowledged.length} webhooks never acknowledged, retried by status ${JSON.stringify(sent.retriedByStatus)}; ` +
    `sent in ${sent.sendSeconds} s; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`;
  const complete = report.complete === report.expected && report.duplicated.length === 0;
  // What the Joiner processes said is the first thing to read when employees are missing.
  return { sent, report, figures: complete ? figures : `${figures}\n${rig.tail(40)}` };
}
