/**
 * `npm run bench:lifecycle`: HR change → Graph write latency at a steady rate, and bulk onboarding against the write
 * budget. Results are printed and written to bench/results/lifecycle.json (with the machine they ran on).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBulkBench } from './lifecycle-bulk';
import { runLatencyBench } from './lifecycle-latency';

async function main(): Promise<void> {
  const only = process.argv[2];
  const results: Record<string, unknown> = {
    ranAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
  };
  if (only === undefined || only === 'latency') {
    results.latency = await runLatencyBench();
    console.log('latency', results.latency);
  }
  if (only === undefined || only === 'bulk') {
    results.bulk = await runBulkBench();
    console.log('bulk', results.bulk);
  }
  const dir = path.resolve(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `lifecycle${only ? `-${only}` : ''}.json`), `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
