/**
 * HTTP load from autocannon in a process of its own (bench/lib/load-process.ts), so the load generator never shares
 * the measured server's event loop. Requests come from a list (cycled) or from a module that makes request `i`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runToEnd, tsxCommand } from '../../test/deployment/processes';

export interface LoadRequest {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface LoadSpec {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Load before measuring (JIT, connection pools, plan caches); not counted. */
  warmupSeconds?: number;
  headers?: Record<string, string>;
  /** Requests sent in turn, from the first again after the last. */
  requests?: LoadRequest[];
  /** Or: a module (path from the repository root) exporting `makeRequest(i: number, options): LoadRequest`. */
  module?: { path: string; options?: unknown };
  /** Requests per second over all connections (default: as fast as the server answers). */
  rate?: number;
  timeoutSeconds?: number;
}

export interface LoadResult {
  requests: number;
  /** Requests answered per second over the run. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  durationSeconds: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'joiner-load-'));
  try {
    const file = path.join(dir, 'spec.json');
    writeFileSync(file, JSON.stringify(spec));
    const stdout = await runToEnd('autocannon', tsxCommand('bench/lib/load-process.ts', [file]));
    const lastLine = stdout.trim().split('\n').at(-1)!;
    return JSON.parse(lastLine) as LoadResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fails when a run had errors or unexpected statuses: a throughput made of 4xx or 5xx answers measures nothing. */
export function assertAllOk(what: string, result: LoadResult): void {
  if (result.errors > 0 || result.non2xx > 0 || result.requests === 0) {
    throw new Error(
      `${what}: ${result.requests} requests, ${result.errors} errors, ${result.non2xx} non-2xx ` +
        `(${JSON.stringify(result.statusCodes)})`,
    );
  }
}
