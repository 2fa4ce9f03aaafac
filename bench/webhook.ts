/**
 * HR webhook ingest (docs/benchmarks.md): signed `employee.onboarded` events (bench/webhook-requests.ts) POSTed by
 * autocannon (its own process, 32 connections) to `joiner api` (its own process), each answered 202 once stored and
 * handed to its employee workflow on the Temporal dev server (no worker runs them: this measures the ingest). On
 * PostgreSQL and PGlite as fast as they are answered; then at a fixed 500 events/s on PostgreSQL, the outbox
 * delivery lag (delivered_at − received_at, every event delivered). Beside each ingest rate, the CPU milliseconds
 * `joiner api` spends per event, stored and delivered (read from /proc around the run and the delivery of its events):
 * a figure a busy machine bends far less than events per second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { runLoad, type LoadResult } from './lib/load';
import { processCpuMs } from './lib/machine';
import { runBenchmark, type BenchContext } from './lib/result';
import { startJoinerApi, startPostgres, startTemporal } from '../test/deployment/rig';
import type { WebhookRequestOptions } from './webhook-requests';

const secret = 'bench-webhook-secret';
const connections = 32;

async function post(url: string, prefix: string, durationSeconds: number, rate?: number): Promise<LoadResult> {
  const options: WebhookRequestOptions = { secret, prefix };
  const result = await runLoad({
    url,
    connections,
    durationSeconds,
    module: { path: 'bench/webhook-requests.ts', options },
    ...(rate !== undefined ? { rate } : {}),
  });
  const accepted = result.statusCodes['202'] ?? 0;
  if (result.errors > 0 || accepted !== result.requests) {
    throw new Error(
      `${prefix}: ${accepted} of ${result.requests} answered 202 (${JSON.stringify(result.statusCodes)})`,
    );
  }
  return result;
}

/** Resolves once every accepted event of the run (`prefix`) is delivered; throws after `timeoutMs`. */
async function untilDelivered(databaseUrl: string, prefix: string, timeoutMs: number): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const deadline = Date.now() + timeoutMs; ;) {
      const { rows } = await client.query<{ n: string }>(
        'select count(*) as n from webhook_events where employee_id like $1 and delivered_at is null',
        [`${prefix}\\_%`],
      );
      if (Number(rows[0]!.n) === 0) return;
      if (Date.now() > deadline) throw new Error(`${rows[0]!.n} events still undelivered after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await client.end();
  }
}

/** Resolves once the API's outbox is empty, read from its `joiner_hr_outbox_depth` (PGlite: no other reader). */
async function untilOutboxEmpty(apiUrl: string, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const metrics = await (await fetch(`${apiUrl}/metrics`)).text();
    const depth = Number(/^joiner_hr_outbox_depth (\S+)$/m.exec(metrics)?.[1] ?? 'NaN');
    if (depth === 0) return;
    if (Date.now() > deadline) throw new Error(`${depth} events still undelivered after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits until every accepted event of the run is delivered, then the p95 of delivered_at − received_at in ms. */
async function deliveryLagP95(databaseUrl: string, prefix: string, timeoutMs: number): Promise<number> {
  await untilDelivered(databaseUrl, prefix, timeoutMs);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const like = `${prefix}\\_%`;
    const { rows } = await client.query<{ p95: number }>(
      'select percentile_cont(0.95) within group (order by extract(epoch from delivered_at - received_at)) * 1000 ' +
        'as p95 from webhook_events where employee_id like $1',
      [like],
    );
    return Number(rows[0]!.p95);
  } finally {
    await client.end();
  }
}

/**
 * Throughput (target: at least `atLeast` events/s) and p99 of one API process (`pid`) after a second's warm-up, and
 * its CPU per event until `delivered(prefix)` says the run's events have left the outbox, as rows.
 */
async function measureIngest(
  url: string,
  pid: number,
  backend: string,
  prefix: string,
  seconds: number,
  atLeast: number,
  delivered: (prefix: string) => Promise<void>,
  row: BenchContext['row'],
): Promise<void> {
  await post(url, 'warm', 1);
  await delivered('warm');
  const cpuBefore = processCpuMs(pid);
  const result = await post(url, prefix, seconds);
  await delivered(prefix);
  const cpuPerEvent = (processCpuMs(pid) - cpuBefore) / result.requests;
  row({
    what: `webhook ingest, ${backend} (202, stored and handed to Temporal)`,
    value: result.requestsPerSecond,
    unit: 'events/s',
    target: { atLeast },
  });
  row({ what: `webhook ingest, ${backend}, p99`, value: result.p99Ms, unit: 'ms' });
  row({
    what: `webhook ingest, ${backend}, joiner api CPU per event (stored and delivered)`,
    value: cpuPerEvent,
    unit: 'ms',
  });
}

runBenchmark('webhook', async ({ quick, row }) => {
  const seconds = quick ? 3 : 15;
  const [postgres, temporal] = await Promise.all([startPostgres(), startTemporal()]);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'joiner-bench-webhook-'));
  try {
    const env = { TEMPORAL_ADDRESS: temporal.address, DATA_DIR: dataDir, WEBHOOK_SECRET: secret };
    const api = await startJoinerApi({ ...env, DATABASE_URL: postgres.url });
    const pgDelivered = (prefix: string) => untilDelivered(postgres.url, prefix, 60_000);
    await measureIngest(api.url, api.child.pid, 'PostgreSQL', 'pg', seconds, 1000, pgDelivered, row);
    const steady = await post(api.url, 'lag', seconds, 500);
    row({ what: 'webhook ingest at 500/s, PostgreSQL, answered', value: steady.requestsPerSecond, unit: 'events/s' });
    row({
      what: 'outbox delivery lag p95 at 500/s, PostgreSQL',
      value: await deliveryLagP95(postgres.url, 'lag', 60_000),
      unit: 'ms',
      target: { below: 1000 },
    });
    await api.child.stop();

    const liteApi = await startJoinerApi(env);
    const liteDelivered = () => untilOutboxEmpty(liteApi.url, 60_000);
    await measureIngest(liteApi.url, liteApi.child.pid, 'PGlite', 'lite', seconds, 300, liteDelivered, row);
    await liteApi.child.stop();
  } finally {
    await Promise.all([postgres.stop(), temporal.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
