/**
 * The load generator's own process (started by bench/lib/load.ts): `node --import tsx bench/lib/load-process.ts
 * <spec.json>`. Prints one JSON line with the result.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadRequest, LoadResult, LoadSpec } from './load';
import { repoRoot } from '../../test/deployment/processes';

// autocannon ships no types: the part of its API used here.
interface AutocannonResult {
  latency: { p50: number; p99: number };
  requests: { total: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}
interface AutocannonRequest {
  method?: string;
  path?: string;
  body?: string;
  headers?: Record<string, string>;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec;
  let make: (i: number) => LoadRequest;
  if (spec.module !== undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.resolve(repoRoot, spec.module.path)) as {
      makeRequest(i: number, options: unknown): LoadRequest;
    };
    make = (i) => mod.makeRequest(i, spec.module!.options);
  } else if (spec.requests !== undefined && spec.requests.length > 0) {
    const list = spec.requests;
    make = (i) => list[i % list.length]!;
  } else {
    throw new Error('a load spec needs requests or a module');
  }
  let next = 0;
  const run = (seconds: number) =>
    autocannon({
      url: spec.url,
      connections: spec.connections,
      duration: seconds,
      timeout: spec.timeoutSeconds ?? 10,
      headers: spec.headers ?? {},
      ...(spec.rate !== undefined ? { overallRate: spec.rate } : {}),
      requests: [
        {
          setupRequest: (request: AutocannonRequest) => {
            const made = make(next++);
            return {
              ...request,
              method: made.method,
              path: made.path,
              body: made.body,
              headers: { ...request.headers, ...made.headers },
            };
          },
        },
      ],
    });
  if (spec.warmupSeconds !== undefined && spec.warmupSeconds > 0) await run(spec.warmupSeconds);
  const result = await run(spec.durationSeconds);
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, Number(count)]),
  );
  const answered = Object.values(statusCodes).reduce((sum, n) => sum + n, 0);
  const out: LoadResult = {
    requests: answered,
    requestsPerSecond: answered / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    statusCodes,
    durationSeconds: result.duration,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
