/**
 * Workflows per second through the in-memory Temporal sandbox with the real SDK, for a start → activity → timer →
 * signal → complete workflow, at 1, 10 and 100 workflows in flight; also an idle worker's shutdown time.
 * Run: `npm run bench:temporal` (tsx). Writes bench/results/temporal-sandbox.md.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { startTemporalSandbox } from '../sandbox/temporal';
import { benchWorkflow, proceedSignal } from './temporal-workflows';

const TIMER_MS = 50;
const levels = [
  { concurrency: 1, workflows: 30 },
  { concurrency: 10, workflows: 200 },
  { concurrency: 100, workflows: 1000 },
];

interface LevelResult {
  concurrency: number;
  workflows: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function runLevel(
  client: Client,
  taskQueue: string,
  concurrency: number,
  workflows: number,
): Promise<LevelResult> {
  let next = 0;
  const latencies: number[] = [];
  const lane = async () => {
    while (next < workflows) {
      const n = next++;
      const started = Date.now();
      const handle = await client.workflow.start(benchWorkflow, {
        taskQueue,
        workflowId: `bench-${concurrency}-${n}-${started}`,
        args: [n, TIMER_MS],
      });
      await handle.signal(proceedSignal);
      const result = await handle.result();
      if (result !== n) throw new Error(`workflow ${n} returned ${result}`);
      latencies.push(Date.now() - started);
    }
  };
  const begin = Date.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (Date.now() - begin) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    workflows,
    seconds,
    perSecond: workflows / seconds,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
  };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const sandbox = await startTemporalSandbox({ port: 0, log: (line) => console.error(line) });
  const nativeConnection = await NativeConnection.connect({ address: sandbox.address });
  const connection = await Connection.connect({ address: sandbox.address });
  const client = new Client({ connection });
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'temporal-workflows.ts'),
    logger: new DefaultLogger('WARN'),
  });
  const taskQueue = 'bench';
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle,
    activities: { touch: (n: number) => Promise.resolve(n) },
    maxConcurrentWorkflowTaskExecutions: 100,
    maxConcurrentActivityTaskExecutions: 100,
  });
  const results: LevelResult[] = [];
  await worker.runUntil(async () => {
    await runLevel(client, taskQueue, 5, 20); // warm-up: V8 contexts, connections
    for (const { concurrency, workflows } of levels) {
      const result = await runLevel(client, taskQueue, concurrency, workflows);
      console.log(
        `concurrency ${concurrency}: ${workflows} workflows in ${result.seconds.toFixed(2)} s = ${result.perSecond.toFixed(1)} workflows/s (p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms)`,
      );
      results.push(result);
    }
  });

  const idle = await Worker.create({
    connection: nativeConnection,
    taskQueue: 'bench-idle',
    workflowBundle,
    activities: {},
  });
  const running = idle.run();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const stopAsked = Date.now();
  idle.shutdown();
  await running;
  const shutdownMs = Date.now() - stopAsked;
  console.log(`idle worker shutdown: ${shutdownMs} ms`);

  await connection.close();
  await nativeConnection.close();
  await sandbox.close();
  writeResults(results, shutdownMs);
}

function writeResults(results: LevelResult[], shutdownMs: number): void {
  const load = os.loadavg()[0]!.toFixed(1);
  const rows = results
    .map(
      (r) =>
        `| ${r.concurrency} | ${r.workflows} | ${r.seconds.toFixed(2)} s | **${r.perSecond.toFixed(1)}** | ${r.p50Ms} ms | ${r.p95Ms} ms |`,
    )
    .join('\n');
  const text = `# Temporal sandbox: recorded results

\`npm run bench:temporal\` (bench/temporal-sandbox.ts): the in-memory sandbox in-process (real time, no time
skipping), one real SDK worker (default cache, up to 100 concurrent workflow and activity tasks) and the real client.
Each workflow: start → activity → ${TIMER_MS} ms timer → signal → complete; the client signals right after the start
and awaits \`result()\`. "Concurrency" is the number of workflows in flight at once.

## ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs, load average ${load} (shared machine)

| concurrency | workflows | wall time | workflows/s | p50 latency | p95 latency |
| ----------- | --------- | --------- | ----------- | ----------- | ----------- |
${rows}

An idle worker shut down in ${shutdownMs} ms after \`worker.shutdown()\`.

At concurrency 1 the ${TIMER_MS} ms timer and the round trips bound the rate; with more in flight the server, the
worker and the client share the same CPUs, so the numbers measure the whole loop, not the sandbox alone.
`;
  writeFileSync(path.join(__dirname, 'results', 'temporal-sandbox.md'), text);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
