/**
 * Temporal's dev server (`temporal server start-dev`: the real Temporal server on SQLite, with the Web UI) as a child
 * process: `joiner start` runs one on DATA_DIR when TEMPORAL_ADDRESS is not set, and the end-to-end suites run theirs.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { joinerSearchAttributes } from '../orchestration/search-attributes';
import { childListening, freePort, isAddressInUse, onFreePort, PortTakenError } from './ports';

export interface TemporalDevServerOptions {
  /** The Temporal CLI executable (see findTemporalCli). */
  cli: string;
  /** The SQLite file that holds the server's state; in memory (nothing kept) when undefined. */
  dbFile?: string;
  /** gRPC port; a free one when 0 or undefined. */
  port?: number;
  /** The Web UI's port; no UI (`--headless`) when undefined, a free port when 0. */
  uiPort?: number;
  /** Namespaces besides `default` to create. */
  namespaces?: string[];
  /** How long to wait for the server to answer; default 60 s (a loaded machine starts it slowly). */
  readyTimeoutMs?: number;
  /**
   * Register Joiner's search attributes at start (default true). False starts a namespace without them, as a server
   * set up by hand or restarted empty would be (the reliability tests check that Joiner registers them itself).
   */
  searchAttributes?: boolean;
  /**
   * Wait for each write of the SQLite file to reach the disk (SQLite's default, `synchronous=FULL`); default true.
   * False (`synchronous=OFF`) is for throwaway servers (the test and benchmark rig): a killed server still loses
   * nothing, the operating system has its writes, only a machine crash may. On a disk with slow flushes a server that
   * waits for each one takes a few dozen signal-with-starts a second instead of hundreds.
   */
  syncWrites?: boolean;
}

export interface TemporalDevServer {
  /** host:port of the gRPC frontend. */
  address: string;
  port: number;
  /** The Web UI's URL, when it runs one. */
  uiUrl?: string;
  child: ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` with Joiner's search attributes registered and waits until its frontend answers
 * for the `default` namespace. Ports left to it (`port`, `uiPort: 0`) are chosen free, and chosen again when another
 * process takes one first (see cli/ports.ts); a port that was given is used as it is.
 * @throws Error with the server's own output when it exits or does not answer in time
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  if (options.dbFile !== undefined) await mkdir(path.dirname(options.dbFile), { recursive: true });
  const givenPort = options.port || undefined;
  if (givenPort !== undefined && options.uiPort !== 0) return startOnPorts(options, givenPort, options.uiPort);
  return onFreePort(async (port) =>
    startOnPorts(options, givenPort ?? port, options.uiPort === 0 ? await freePort() : options.uiPort),
  );
}

async function startOnPorts(
  options: TemporalDevServerOptions,
  port: number,
  uiPort: number | undefined,
): Promise<TemporalDevServer> {
  const child = spawn(options.cli, devServerArgs(options, port, uiPort), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    await untilDevServerAnswers(child.pid!, port, exited, options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    // The server also binds ports of its own choosing (its internal services, metrics): any of them can be lost.
    if (err instanceof PortTakenError || isAddressInUse(output)) throw new PortTakenError(port, output || String(err));
    throw new Error(`the Temporal dev server (${options.cli}) did not start: ${(err as Error).message}\n${output}`);
  }
  return { address, port, uiUrl: uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`, child, stop };
}

/** The arguments of `temporal server start-dev` for `options` on `port` (and the UI on `uiPort`, else headless). */
export function devServerArgs(
  options: Omit<TemporalDevServerOptions, 'cli' | 'port' | 'uiPort'>,
  port: number,
  uiPort?: number,
): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  args.push(...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]));
  if (options.dbFile !== undefined) args.push('--db-filename', options.dbFile);
  if (options.syncWrites === false) args.push('--sqlite-pragma', 'synchronous=OFF');
  for (const namespace of options.namespaces ?? []) args.push('--namespace', namespace);
  if (options.searchAttributes ?? true) {
    for (const key of joinerSearchAttributes) args.push('--search-attribute', `${key.name}=Keyword`);
  }
  return args;
}

/**
 * Polls until the process `pid` listens on `port` and its frontend describes `default`, `exited` resolves (the server
 * exited), or the time is up.
 * @throws PortTakenError when another process listens on `port`
 */
export async function untilDevServerAnswers(pid: number, port: number, exited: Promise<void>, timeoutMs: number) {
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error('it exited');
    const listening = await childListening(pid, '127.0.0.1', port);
    if (listening === 'taken') throw new PortTakenError(port, 'another process listens on it');
    if (listening === 'listening') {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 }).catch(() => null);
      if (connection !== null) {
        try {
          await connection.withDeadline(Date.now() + 2_000, () =>
            connection.workflowService.describeNamespace({ namespace: 'default' }),
          );
          return;
        } catch {
          // Listening, not ready yet.
        } finally {
          await connection.close();
        }
      }
    }
    if (Date.now() > deadline) throw new Error(`no answer on ${address} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What `joiner start` records about the dev server it runs, beside the server's database. */
interface DevServerRecord {
  pid: number;
  dbFile: string;
}

/**
 * Stops a dev server left running on `dbFile` by a `joiner start` that was killed (kill -9 leaves its children
 * running, and that server still holds the SQLite file). It is recognised by the pid recorded in `recordFile` and a
 * command line naming the same file, so an unrelated process that reused the pid is left alone.
 */
export async function stopOrphanedDevServer(recordFile: string): Promise<boolean> {
  let record: DevServerRecord;
  try {
    record = JSON.parse(await readFile(recordFile, 'utf8')) as DevServerRecord;
  } catch {
    return false;
  }
  const orphan = isDevServerOn(record.pid, record.dbFile);
  if (orphan) {
    process.kill(record.pid, 'SIGTERM');
    for (let i = 0; i < 100 && isAlive(record.pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    if (isAlive(record.pid)) process.kill(record.pid, 'SIGKILL');
    for (let i = 0; i < 50 && isAlive(record.pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await rm(recordFile, { force: true });
  return orphan;
}

/** Records the running server so that {@link stopOrphanedDevServer} can find it after a kill -9. */
export async function recordDevServer(recordFile: string, server: TemporalDevServer, dbFile: string): Promise<void> {
  const record: DevServerRecord = { pid: server.child.pid!, dbFile };
  await writeFile(recordFile, JSON.stringify(record));
}

function isDevServerOn(pid: number, dbFile: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes('start-dev') && argv.includes(dbFile);
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
