/**
 * A throwaway PostgreSQL cluster for the test run: initdb in a temp dir, started on a free port bound to 127.0.0.1,
 * stopped and deleted at the end. Uses the server binaries of the machine (Debian's `postgresql` package in CI).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isAddressInUse, onFreePort, PortTakenError } from '../../cli/ports';

const run = promisify(execFile);

/** A running cluster; `url` connects as the superuser `postgres` to the `postgres` database. */
export interface PostgresCluster {
  url: string;
  dir: string;
  binDir: string;
  startMs: number;
  /** Process that stops the cluster if the process that started it dies without stopping it (killed jest). */
  watchdogPid: number | undefined;
  /** The server's options (`pg_ctl -o`): a restart runs on the same port. */
  serverOptions: string;
}

/**
 * Finds a directory holding `initdb` and `pg_ctl`: $PG_BIN, then the newest /usr/lib/postgresql/<version>/bin (Debian,
 * where they are not on PATH), then PATH. Undefined when PostgreSQL is not installed.
 */
export function findPostgresBinDir(): string | undefined {
  const hasServer = (dir: string) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'));
  const fromEnv = process.env.PG_BIN;
  if (fromEnv !== undefined && fromEnv !== '') return hasServer(fromEnv) ? fromEnv : undefined;
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const dir = path.join(debianRoot, version, 'bin');
      if (hasServer(dir)) return dir;
    }
  }
  return (process.env.PATH ?? '').split(path.delimiter).find((dir) => dir !== '' && hasServer(dir));
}

/** PostgreSQL refuses to run as root: as root, run its programs as the `postgres` user, which must own the dir. */
async function asServerUser(dir: string): Promise<(file: string, args: string[]) => Promise<unknown>> {
  if (process.getuid?.() !== 0) return (file, args) => run(file, args);
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  await chown(dir, Number(uid.trim()), Number(gid.trim()));
  return (file, args) => run('runuser', ['-u', 'postgres', '--', file, ...args]);
}

/** Quotes a value for `sh`. */
const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * Starts a detached shell that waits for this process to end and then stops the cluster and deletes its directory.
 * A jest run that is killed (Ctrl-C, a timeout) skips global teardown; without this its server would run on.
 */
function startWatchdog(dir: string, binDir: string): number | undefined {
  const stop = [path.join(binDir, 'pg_ctl'), '-D', path.join(dir, 'data'), '-m', 'immediate', '-w', 'stop'];
  const asServer = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', ...stop] : stop;
  const script =
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; ` +
    `${asServer.map(shellQuote).join(' ')} >/dev/null 2>&1; rm -rf ${shellQuote(dir)}`;
  const watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return watchdog.pid;
}

/**
 * Creates and starts a cluster. Durability is switched off (fsync, synchronous_commit): the data is thrown away.
 * @throws Error with the server log when initdb or the start fails
 */
export async function startPostgresCluster(binDir: string): Promise<PostgresCluster> {
  const started = performance.now();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'joiner-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  try {
    const exec = await asServerUser(dir);
    await exec(path.join(binDir, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    // A free port can be taken by another process before the server binds it: then start on another one.
    return await onFreePort(async (port) => {
      const serverOptions = [
        `-p ${port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
      ].join(' ');
      const logStart = (await readFile(logFile, 'utf8').catch(() => '')).length;
      try {
        await exec(path.join(binDir, 'pg_ctl'), ['-w', '-D', dataDir, '-l', logFile, '-o', serverOptions, 'start']);
      } catch (err) {
        const log = (await readFile(logFile, 'utf8').catch(() => '')).slice(logStart);
        if (isAddressInUse(log)) throw new PortTakenError(port, log);
        throw err;
      }
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        dir,
        binDir,
        startMs: performance.now() - started,
        watchdogPid: startWatchdog(dir, binDir),
        serverOptions,
      };
    });
  } catch (err) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`could not start a PostgreSQL test cluster with ${binDir}: ${String(err)}\n${log}`, { cause: err });
  }
}

/** Stops the cluster at once (its data is thrown away) and deletes its directory. */
export async function stopPostgresCluster(cluster: PostgresCluster): Promise<void> {
  if (cluster.watchdogPid !== undefined) {
    try {
      process.kill(cluster.watchdogPid);
    } catch {
      // already gone
    }
  }
  const exec = await asServerUser(cluster.dir);
  try {
    await exec(path.join(cluster.binDir, 'pg_ctl'), [
      '-w',
      '-D',
      path.join(cluster.dir, 'data'),
      '-m',
      'immediate',
      'stop',
    ]);
  } finally {
    await rm(cluster.dir, { recursive: true, force: true });
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

/**
 * Kills the server as a crash would: SIGKILL to the postmaster and to its backends (the multi-process tests use it to
 * take the database away). {@link restartPostgresCluster} starts it again.
 */
export async function killPostgresCluster(cluster: PostgresCluster): Promise<void> {
  const postmaster = Number((await readFile(path.join(cluster.dir, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const { stdout } = await run('pgrep', ['-P', String(postmaster)]).catch(() => ({ stdout: '' }));
  const pids = [
    postmaster,
    ...stdout
      .split('\n')
      .filter((line) => line !== '')
      .map(Number),
  ];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 100 && pids.some(isAlive); i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Starts a cluster stopped by {@link killPostgresCluster} again, on the same port and data (it recovers its WAL). */
export async function restartPostgresCluster(cluster: PostgresCluster): Promise<void> {
  const exec = await asServerUser(cluster.dir);
  await exec(path.join(cluster.binDir, 'pg_ctl'), [
    '-w',
    '-D',
    path.join(cluster.dir, 'data'),
    '-l',
    path.join(cluster.dir, 'server.log'),
    '-o',
    cluster.serverOptions,
    'start',
  ]);
}
