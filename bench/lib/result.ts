/**
 * The benchmark contract (docs/benchmarks.md): a benchmark is a program `bench/<name>.ts` that takes `--quick`, starts
 * what it measures as child processes, prints a markdown table and writes `bench/results/<name>.json`. `runBenchmark`
 * does the parts every benchmark shares; `npm run bench` (bench/run.ts) runs each file that calls it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadAverage, machineInfo, type MachineInfo } from './machine';

/** A target a row must meet: at least a value (throughput) or below one (latency). */
export type Target = { atLeast: number } | { below: number };

export interface BenchRow {
  what: string;
  value: number;
  unit: string;
  target?: Target;
  /** The anchor this row is compared with, measured in the same run (for example a bare Koa + pg server's req/s). */
  anchor?: number;
  /** Set by `runBenchmark` from `target`. */
  pass?: boolean;
}

export interface BenchResult {
  name: string;
  when: string;
  machine: MachineInfo;
  /** One-minute load average before and after the run. */
  loadavg: [number, number];
  quick: boolean;
  rows: BenchRow[];
}

export interface BenchContext {
  quick: boolean;
  /** Adds a row as soon as it is measured, so a benchmark that fails later still reports what it measured. */
  row(row: BenchRow): void;
}

/** The `p`th percentile (0–100) of ascending `sorted` values, nearest rank; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const resultsDir = path.resolve(__dirname, '..', 'results');

export function meetsTarget(value: number, target: Target): boolean {
  return 'atLeast' in target ? value >= target.atLeast : value < target.below;
}

export function formatTarget(target: Target | undefined, unit: string): string {
  if (target === undefined) return '';
  return 'atLeast' in target ? `≥ ${target.atLeast} ${unit}` : `< ${target.below} ${unit}`;
}

/** Rounds for display: three significant digits below 100, whole numbers above. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return String(Number(value.toPrecision(3)));
}

export function markdownTable(rows: BenchRow[]): string {
  const lines = ['| what | value | target | anchor | pass |', '| --- | --- | --- | --- | --- |'];
  for (const row of rows) {
    const pass = row.pass === undefined ? '' : row.pass ? 'pass' : '**FAIL**';
    const anchor = row.anchor === undefined ? '' : formatValue(row.anchor);
    lines.push(
      `| ${row.what} | ${formatValue(row.value)} ${row.unit} | ${formatTarget(row.target, row.unit)} | ${anchor} | ${pass} |`,
    );
  }
  return lines.join('\n');
}

export function writeResult(result: BenchResult): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${result.name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/**
 * Runs a benchmark's body and writes its result: `runBenchmark('scim', async ({ quick, row }) => { … row({…}) })`.
 * The rows measured before a failure are still written; the process then exits 1.
 */
export function runBenchmark(name: string, body: (context: BenchContext) => Promise<void>): void {
  const quick = process.argv.includes('--quick');
  const before = loadAverage();
  const rows: BenchRow[] = [];
  const context: BenchContext = {
    quick,
    row(row) {
      const measured = row.target === undefined ? row : { ...row, pass: meetsTarget(row.value, row.target) };
      rows.push(measured);
      console.log(`${name}: ${row.what}: ${formatValue(row.value)} ${row.unit}`);
    },
  };
  const finish = (failure: unknown) => {
    const result: BenchResult = {
      name,
      when: new Date().toISOString(),
      machine: machineInfo(),
      loadavg: [before, loadAverage()],
      quick,
      rows,
    };
    const file = writeResult(result);
    console.log(`\n${markdownTable(rows)}\n\nload average ${before} → ${result.loadavg[1]}; written to ${file}`);
    if (failure !== undefined) {
      console.error(failure);
      process.exitCode = 1;
    }
    // Children were stopped by the body; anything it left (a hung client) must not keep the run waiting.
    setTimeout(() => process.exit(), 1000).unref();
  };
  body(context).then(
    () => finish(undefined),
    (err: unknown) => finish(err ?? new Error('benchmark failed')),
  );
}
