/** Joiner's own processes as a deployment runs them, from the build (`npm run build`). */
import { freePort, joinerCommand, spawnChild, waitForHttp, type Child } from './processes';

export interface RunningApi {
  child: Child;
  url: string;
}

/**
 * `joiner api` on a free port with `env` (DATABASE_URL for PostgreSQL, else PGlite on DATA_DIR; TEMPORAL_ADDRESS),
 * logging warnings only; resolves once `/healthz` answers.
 */
export async function startJoinerApi(env: Record<string, string>): Promise<RunningApi> {
  const port = await freePort();
  const child = spawnChild('joiner api', joinerCommand(['api']), {
    env: { DATABASE_URL: '', ...env, PORT: String(port), LOG_LEVEL: 'warn' },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, child, 90_000);
  return { child, url };
}
