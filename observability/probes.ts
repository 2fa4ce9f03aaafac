/**
 * `/healthz`, `/readyz` and `/metrics`: the answers shared by the API (Koa routes) and the worker's own small HTTP
 * listener (see {@link startProbeServer}). Liveness never touches a dependency; readiness runs named checks.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsContentType, renderMetrics } from './metrics';

/** One readiness check: resolves when the dependency answers, rejects (with a reason) when it does not. */
export type ReadinessCheck = () => Promise<void>;

/** Named checks, e.g. `{ database, temporal, entra }`. */
export type ReadinessChecks = Readonly<Record<string, ReadinessCheck>>;

/** What `/readyz` answers: `ready` when every check passed, each check's result by name. */
export interface ReadinessReport {
  status: 'ready' | 'unready';
  checks: Record<string, { status: 'ok' } | { status: 'failed'; error: string }>;
}

/** A check that has not answered within this long counts as failed, so a probe never hangs on a dead dependency. */
export const readinessTimeoutMs = 3_000;

function withTimeout(check: ReadinessCheck, ms: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    check().then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * Runs every check concurrently. The error text is the dependency's message cut to one line: it names what is down
 * (a host, a code), never a credential, as the clients' messages do not carry them.
 */
export async function checkReadiness(
  checks: ReadinessChecks,
  timeoutMs = readinessTimeoutMs,
): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const results = await Promise.allSettled(names.map((name) => withTimeout(checks[name]!, timeoutMs)));
  const report: ReadinessReport = { status: 'ready', checks: {} };
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') {
      report.checks[names[i]!] = { status: 'ok' };
    } else {
      report.status = 'unready';
      const reason = result.reason as Error;
      report.checks[names[i]!] = { status: 'failed', error: reason.message.split('\n')[0]!.slice(0, 300) };
    }
  });
  return report;
}

/** A running probe listener. */
export interface ProbeServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on `port` (0: any free port) for `GET /healthz`, `/readyz` and `/metrics`: the worker's endpoint, as it has
 * no API of its own. Anything else is 404.
 */
export async function startProbeServer(options: { port: number; readiness: ReadinessChecks }): Promise<ProbeServer> {
  const server = http.createServer((req, res) => {
    void answerProbe(req, res, options.readiness);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function answerProbe(req: http.IncomingMessage, res: http.ServerResponse, readiness: ReadinessChecks) {
  const path = (req.url ?? '/').split('?')[0];
  const send = (status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'application/json', JSON.stringify({ error: { status: 405, message: 'only GET is allowed' } }));
    } else if (path === '/healthz') {
      send(200, 'application/json', JSON.stringify({ status: 'ok' }));
    } else if (path === '/readyz') {
      const report = await checkReadiness(readiness);
      send(report.status === 'ready' ? 200 : 503, 'application/json', JSON.stringify(report));
    } else if (path === '/metrics') {
      send(200, metricsContentType, await renderMetrics());
    } else {
      send(404, 'application/json', JSON.stringify({ error: { status: 404, message: `${path} is not served here` } }));
    }
  } catch {
    send(500, 'application/json', JSON.stringify({ error: { status: 500, message: 'internal server error' } }));
  }
}
