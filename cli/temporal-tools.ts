/**
 * Where the real Temporal servers are on this machine: the Temporal CLI (whose `server start-dev` is the dev server
 * with the Web UI) and Temporal's time-skipping test server. `scripts/install-temporal` (`npm run setup:temporal`)
 * installs both into {@link temporalToolsDir}; a CLI on PATH or named by TEMPORAL_CLI_PATH serves too. Used by
 * `joiner start` and by the test helpers.
 */
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The install directory of `scripts/install-temporal`: JOINER_TOOLS_DIR, else `$XDG_CACHE_HOME/joiner`, else
 * `~/.cache/joiner` (the script and `bin/temporal-test-server` compute the same default).
 */
export function temporalToolsDir(env: Env = process.env): string {
  if (env.JOINER_TOOLS_DIR) return path.resolve(env.JOINER_TOOLS_DIR);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'joiner');
}

/** A found executable and where it was found (for messages). */
export interface FoundTool {
  path: string;
  source: 'TEMPORAL_CLI_PATH' | 'PATH' | 'install dir' | 'SDK download';
}

/**
 * The Temporal CLI that the SDK's `TestWorkflowEnvironment.createLocal()` downloaded on a machine with internet
 * (`$TMPDIR/temporal-sdk-typescript-<sdk version>`), newest first. Undefined when there is none.
 */
export function findSdkDownloadedCli(tmpdir = os.tmpdir()): FoundTool | undefined {
  let names: string[];
  try {
    names = readdirSync(tmpdir).filter((name) => name.startsWith('temporal-sdk-typescript-'));
  } catch {
    return undefined;
  }
  const found = names
    .map((name) => path.join(tmpdir, name))
    .filter(isExecutableFile)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  return found === undefined ? undefined : { path: found, source: 'SDK download' };
}

/**
 * The Temporal CLI: TEMPORAL_CLI_PATH when set (it must be executable), else `temporal` on PATH, else the one
 * `scripts/install-temporal` put in {@link temporalToolsDir}. Undefined when there is none.
 * @throws Error when TEMPORAL_CLI_PATH names something that is not an executable file
 */
export function findTemporalCli(env: Env = process.env): FoundTool | undefined {
  const named = env.TEMPORAL_CLI_PATH?.trim();
  if (named) {
    if (!isExecutableFile(named)) throw new Error(`TEMPORAL_CLI_PATH=${named} is not an executable file`);
    return { path: path.resolve(named), source: 'TEMPORAL_CLI_PATH' };
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'temporal');
    if (isExecutableFile(candidate)) return { path: candidate, source: 'PATH' };
  }
  const installed = path.join(temporalToolsDir(env), 'bin', 'temporal');
  return isExecutableFile(installed) ? { path: installed, source: 'install dir' } : undefined;
}

/**
 * The time-skipping test server to start as `<exe> <port> --enable-time-skipping`: TEMPORAL_TEST_SERVER_PATH when
 * set, else the repository's `bin/temporal-test-server` launcher when `scripts/install-temporal` installed the jars.
 * Undefined when neither is there.
 * @throws Error when TEMPORAL_TEST_SERVER_PATH names something that is not an executable file
 */
export function findTemporalTestServer(env: Env = process.env): string | undefined {
  const named = env.TEMPORAL_TEST_SERVER_PATH?.trim();
  if (named) {
    if (!isExecutableFile(named)) throw new Error(`TEMPORAL_TEST_SERVER_PATH=${named} is not an executable file`);
    return path.resolve(named);
  }
  if (!isDirectory(path.join(temporalToolsDir(env), 'temporal-test-server', 'current', 'lib'))) return undefined;
  // This file runs from cli/ (tests, tsx) or from dist/cli/ (the build).
  return [path.resolve(__dirname, '..'), path.resolve(__dirname, '..', '..')]
    .map((root) => path.join(root, 'bin', 'temporal-test-server'))
    .find(isExecutableFile);
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
