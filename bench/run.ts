/**
 * `npm run bench [-- --quick] [name…]`: runs every benchmark (each `bench/<name>.ts` that calls `runBenchmark`, see
 * bench/lib/result.ts) in sequence, each in a process of its own, then writes bench/results/summary.md from their
 * bench/results/<name>.json. Exits 1 when a benchmark failed to run; a missed target is reported, not a failure (the
 * figures depend on the machine and its load).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadAverage, machineInfo } from './lib/machine';
import { spawnChild, tsxCommand } from '../test/deployment/processes';
import { formatTarget, formatValue, resultsDir, type BenchResult } from './lib/result';

const benchDir = __dirname;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));

/** The benchmarks: files here that follow the contract. Helpers (imported by a benchmark) do not call runBenchmark. */
function discover(): string[] {
  return readdirSync(benchDir)
    .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
    .filter((file) => /\brunBenchmark\(/.test(readFileSync(path.join(benchDir, file), 'utf8')))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

interface Outcome {
  name: string;
  seconds: number;
  exit: number | string;
  result?: BenchResult;
}

async function runOne(name: string, startedAt: number): Promise<Outcome> {
  const started = performance.now();
  // A quick run of every benchmark together must stay under three minutes: one that hangs is stopped.
  const limitMs = quick ? 150_000 : 30 * 60_000;
  const child = spawnChild(name, tsxCommand(`bench/${name}.ts`, quick ? ['--quick'] : []), { echo: true });
  const timer = setTimeout(() => {
    console.error(`${name}: still running after ${limitMs / 1000} s, stopping it`);
    void child.stop(5000);
  }, limitMs);
  const exit = await child.exited;
  clearTimeout(timer);
  let result: BenchResult | undefined;
  try {
    const read = JSON.parse(readFileSync(path.join(resultsDir, `${name}.json`), 'utf8')) as BenchResult;
    // A result from an earlier run is not this run's.
    if (Date.parse(read.when) >= startedAt) result = read;
  } catch {
    // no result written
  }
  return { name, seconds: (performance.now() - started) / 1000, exit, result };
}

function summary(outcomes: Outcome[], loadBefore: number, totalSeconds: number): string {
  const machine = machineInfo();
  const lines = [
    '# Benchmark results',
    '',
    `Run ${new Date().toISOString()} (${quick ? 'quick' : 'full'}) on ${machine.cpus} × ${machine.model}, ` +
      `${machine.memGiB} GiB, Node ${process.version}; load average ${loadBefore} before, ${loadAverage()} after; ` +
      `${Math.round(totalSeconds)} s in all. Written by \`npm run bench\` (docs/benchmarks.md).`,
    '',
    '| benchmark | what | value | target | anchor | pass |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const outcome of outcomes) {
    if (outcome.result === undefined || outcome.result.rows.length === 0) {
      lines.push(`| ${outcome.name} | no result (exit ${outcome.exit}) | | | | **FAIL** |`);
      continue;
    }
    for (const row of outcome.result.rows) {
      const pass = row.pass === undefined ? '' : row.pass ? 'pass' : '**FAIL**';
      const anchor = row.anchor === undefined ? '' : formatValue(row.anchor);
      lines.push(
        `| ${outcome.name} | ${row.what} | ${formatValue(row.value)} ${row.unit} | ` +
          `${formatTarget(row.target, row.unit)} | ${anchor} | ${pass} |`,
      );
    }
    if (outcome.exit !== 0) lines.push(`| ${outcome.name} | stopped early (exit ${outcome.exit}) | | | | **FAIL** |`);
  }
  lines.push('', '| benchmark | seconds | load average before → after |', '| --- | --- | --- |');
  for (const outcome of outcomes) {
    const load = outcome.result ? `${outcome.result.loadavg[0]} → ${outcome.result.loadavg[1]}` : '';
    lines.push(`| ${outcome.name} | ${Math.round(outcome.seconds)} | ${load} |`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const all = discover();
  const unknown = only.filter((name) => !all.includes(name));
  if (unknown.length > 0) throw new Error(`no benchmark named ${unknown.join(', ')} (there are: ${all.join(', ')})`);
  const names = only.length > 0 ? only : all;
  const loadBefore = loadAverage();
  const started = performance.now();
  const startedAt = Date.now();
  const outcomes: Outcome[] = [];
  for (const name of names) {
    console.log(`\n== ${name}${quick ? ' (quick)' : ''}`);
    outcomes.push(await runOne(name, startedAt));
  }
  const text = summary(outcomes, loadBefore, (performance.now() - started) / 1000);
  writeFileSync(path.join(resultsDir, 'summary.md'), text);
  console.log(`\n${text}`);
  if (outcomes.some((o) => o.exit !== 0 || o.result === undefined)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
