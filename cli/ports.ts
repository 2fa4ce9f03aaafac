/**
 * Ports for the servers that Joiner starts as child processes (the Temporal dev server of `joiner start`, and in the
 * tests Temporal's test server and PostgreSQL). A port the OS reported free can be taken by another process before the
 * child binds it: then the child fails to start, or worse, the parent connects to the other process's server on that
 * port and takes it for its own. So a child counts as started only once the port's listening socket is the child's,
 * and a start that lost its port is tried again on another one.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';

/** Asks the OS for a TCP port on 127.0.0.1 that is free now (it may not be a moment later: see the module comment). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Thrown by a start function of {@link onFreePort} when its child could not have the port it was given. */
export class PortTakenError extends Error {
  constructor(port: number, detail: string) {
    super(`port ${port} was taken by another process: ${detail}`);
    this.name = 'PortTakenError';
  }
}

/** What a server prints when the port it should bind is in use (Java's BindException, Go's and PostgreSQL's). */
export function isAddressInUse(output: string): boolean {
  return /address already in use/i.test(output);
}

/**
 * Runs `start` on a free port; when it throws {@link PortTakenError}, again on another one (up to `attempts` times).
 * `start` receives a fresh port each time and must clean up its own child before it throws.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt >= attempts) throw err;
    }
  }
}

/** Who listens on a TCP port, as far as the process `pid` can tell. */
export type PortListener = 'this process' | 'another process' | 'nobody';

/**
 * Whether the process `pid` has a listening TCP socket on `port` (IPv4 or IPv6), read from /proc: the port's
 * listening sockets in the process's network namespace, and the sockets among its open files. Undefined where there
 * is no /proc (not Linux): the caller then cannot tell its child's listener from another process's.
 */
export function portListener(pid: number, port: number): PortListener | undefined {
  const inodes = new Set<string>();
  let readAny = false;
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    readAny = true;
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (local === undefined || inode === undefined) continue;
      const localPort = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      if (localPort === port && state === '0A' /* LISTEN */) inodes.add(inode);
    }
  }
  if (!readAny) return undefined;
  if (inodes.size === 0) return 'nobody';
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    // The process is gone (or not ours to inspect): the listener is not its.
    return 'another process';
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1] !== undefined && inodes.has(match[1])) return 'this process';
  }
  return 'another process';
}

/** True when something accepts TCP connections on host:port. */
export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Whether the child `pid` listens on `port` yet: `listening` once the port's listener is the child's, `waiting`
 * while nobody listens, `taken` when another process does (the child cannot bind it). Without /proc, a connection
 * that succeeds counts as the child's.
 */
export async function childListening(
  pid: number,
  host: string,
  port: number,
): Promise<'listening' | 'waiting' | 'taken'> {
  const listener = portListener(pid, port);
  if (listener === undefined) return (await canConnect(host, port)) ? 'listening' : 'waiting';
  if (listener === 'this process') return 'listening';
  return listener === 'nobody' ? 'waiting' : 'taken';
}
