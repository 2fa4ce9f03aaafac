/**
 * HR webhook ingest of `joiner start` (docs/benchmarks.md): the API, the outbox relay and the worker in one process
 * (embedded PGlite, the local Temporal dev server and the in-process Entra stand-in), as `npm start` runs it. A
 * first burst of onboardings gives the worker Graph writes to do (paced at GRAPH_WRITES_PER_SECOND, 20/s, so they
 * could last the whole run); then signed webhooks from autocannon (its own process) at a steady 150 events/s, and as
 * fast as they are answered, with that work queued in the same process: what it leaves of ingest. The Graph calls
 * made during each measurement are counted from the process's `joiner_graph_calls_total`: how much of the Graph work
 * went on meanwhile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runLoad } from './lib/load';
import { runBenchmark } from './lib/result';
import { freePort, joinerCommand, spawnChild, waitForHttp } from '../test/deployment/processes';
import type { WebhookRequestOptions } from './webhook-requests';

const secret = 'bench-start-secret';
const connections = 32;

async function graphCalls(url: string): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  let calls = 0;
  for (const match of metrics.matchAll(/^joiner_graph_calls_total\{[^}]*\} (\S+)$/gm)) calls += Number(match[1]);
  return calls;
}

runBenchmark('start-ingest', async ({ quick, row }) => {
  const seconds = quick ? 4 : 15;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'joiner-bench-start-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnChild('joiner start', joinerCommand(['start']), {
    env: {
      DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_UI_PORT: String(await freePort()),
      WEBHOOK_SECRET: secret,
      LOG_LEVEL: 'warn',
      // Embedded defaults: none of the environment's database, Temporal or Entra.
      DATABASE_URL: undefined,
      TEMPORAL_ADDRESS: undefined,
      ENTRA_CLIENT_ID: undefined,
      NODE_OPTIONS: undefined,
    },
  });
  try {
    await waitForHttp(`${url}/readyz`, child, 180_000);
    const post = (prefix: string, durationSeconds: number, rate?: number) => {
      const options: WebhookRequestOptions = { secret, prefix };
      return runLoad({
        url,
        connections,
        durationSeconds,
        module: { path: 'bench/webhook-requests.ts', options },
        ...(rate !== undefined ? { rate } : {}),
      });
    };
    // About 600 new employees: half a minute of Graph creates at 20/s, queued behind what follows.
    await post('backlog', 3, 200);
    for (const [what, rate, prefix] of [
      ['at 150/s', 150, 'steady'],
      ['as fast as answered', undefined, 'fast'],
    ] as const) {
      const callsBefore = await graphCalls(url);
      const result = await post(prefix, seconds, rate);
      const calls = await graphCalls(url);
      const accepted = result.statusCodes['202'] ?? 0;
      row({
        what: `joiner start webhook ingest ${what} with Graph work queued in the same process (202)`,
        value: accepted / result.durationSeconds,
        unit: 'events/s',
        ...(rate !== undefined ? { target: { atLeast: rate * 0.9 } } : {}),
      });
      row({
        what: `joiner start webhook ingest ${what}, p99`,
        value: result.p99Ms,
        unit: 'ms',
        ...(rate !== undefined ? { target: { below: 1000 } } : {}),
      });
      row({
        what: `joiner start webhook ingest ${what}: Graph calls in the same process meanwhile`,
        value: (calls - callsBefore) / result.durationSeconds,
        unit: 'calls/s',
      });
      row({
        what: `joiner start webhook ingest ${what}: answers other than 202, and errors`,
        value: result.requests - accepted + result.errors,
        unit: 'requests',
      });
    }
  } finally {
    await child.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
