/**
 * Child processes for the multi-process tests and the benchmarks: what is tested or measured runs in processes of its
 * own (as in a deployment), never inside the test's process. Each child gets its own process group, and every child
 * still running when the process that started it exits, however it exits (even by kill -9), is killed with its group:
 * by an exit handler when it can run, else by a watchdog (`sh`) that outlives it (jest killed by a timeout or Ctrl-C,
 * or a jest worker whose `process` is not the real one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `node --import tsx` runs a TypeScript file without a build step (tsx is a dev dependency). */
export function tsxCommand(file: string, args: string[] = []): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', path.resolve(repoRoot, file), ...args]];
}

/**
 * `node dist/cli/main.js <args>`: the built `joiner` command (`npm run build` first). With BENCH_PROFILE_DIR set, each
 * Joiner process writes a V8 CPU profile there when it exits (open it in Chrome's DevTools).
 */
export function joinerCommand(args: string[]): [string, string[]] {
  const profileDir = process.env.BENCH_PROFILE_DIR;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [];
  return [process.execPath, [...profile, path.join(repoRoot, 'dist', 'cli', 'main.js'), ...args]];
}

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  /** The last 64 KiB of its stdout and stderr, for error messages. */
  output(): string;
  /** Resolves with the exit code (or signal) once it has exited. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Sends `signal` to its process group (kill -9 by default) and resolves with how it exited. */
  kill(signal?: NodeJS.Signals): Promise<number | string>;
  /** True until it has exited. */
  readonly alive: boolean;
}

const running = new Set<Child>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

process.on('exit', () => {
  for (const child of running) killGroup(child.pid, 'SIGKILL');
});
// Under jest the runner owns the signals (and its `process` may not be the real one): the watchdogs cover it.
if (process.env.JEST_WORKER_ID === undefined) {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(130));
  }
}

/**
 * A detached `sh` that polls, once a second, whether this process still runs and kills the child's group with
 * SIGKILL when it does not. It ends by itself once the group is gone. One per child: a handful of idle shells.
 */
function startWatchdog(pgid: number): void {
  const script =
    `while kill -0 ${process.pid} 2>/dev/null; do kill -0 -${pgid} 2>/dev/null || exit 0; sleep 1; done; ` +
    `kill -9 -${pgid} 2>/dev/null`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Also print the child's output (default: only kept for error messages). */
  echo?: boolean;
}

export function spawnChild(name: string, [command, args]: [string, string[]], options: SpawnOptions = {}): Child {
  const proc = spawn(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (proc.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-65_536);
    if (options.echo) process.stdout.write(`[${name}] ${chunk.toString()}`);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  const pid = proc.pid;
  startWatchdog(pid);
  const child: Child = {
    name,
    pid,
    process: proc,
    output: () => tail,
    exited,
    get alive() {
      return running.has(child);
    },
    async kill(signal = 'SIGKILL') {
      // Once it has exited its pid may name another process group.
      if (running.has(child)) killGroup(pid, signal);
      return exited;
    },
    async stop(graceMs = 10_000) {
      if (!running.has(child)) return;
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // The group may hold grandchildren that outlive the leader.
      killGroup(pid, 'SIGKILL');
    },
  };
  running.add(child);
  return child;
}

/** Runs a child to its end and resolves with its stdout; rejects with its output when it exits non-zero. */
export async function runToEnd(name: string, command: [string, string[]], options: SpawnOptions = {}): Promise<string> {
  const child = spawnChild(name, command, options);
  let stdout = '';
  child.process.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await child.exited;
  if (code !== 0) throw new Error(`${name} exited with ${code}:\n${child.output()}`);
  return stdout;
}

export { freePort } from '../../cli/ports';

/** Waits until a TCP port accepts connections; fails early when `child` exits first. */
export async function waitForPort(port: number, child?: Child, timeoutMs = 60_000, host = '127.0.0.1'): Promise<void> {
  await waitFor(`port ${port}`, child, timeoutMs, async () => {
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(port, host, () => {
        socket.end();
        resolve();
      });
      socket.once('error', reject);
    });
  });
}

/** Waits until `url` answers 2xx (for example `/readyz`); fails early when `child` exits first. */
export async function waitForHttp(url: string, child?: Child, timeoutMs = 60_000): Promise<void> {
  await waitFor(url, child, timeoutMs, async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`${res.status}`);
  });
}

async function waitFor(what: string, child: Child | undefined, timeoutMs: number, probe: () => Promise<void>) {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | string | undefined;
  void child?.exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`${child!.name} exited with ${exitCode} before ${what} answered:\n${child!.output()}`);
    }
    try {
      await probe();
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        const output = child ? `\n${child.output()}` : '';
        throw new Error(`${what} did not answer within ${timeoutMs} ms (${String(err)})${output}`, { cause: err });
      }
    }
    await sleep(100);
  }
}
