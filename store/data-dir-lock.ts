/**
 * The application lock on a PGlite data directory. PGlite does not lock its files and two writers corrupt them, so
 * one Joiner process at a time may open a data directory.
 *
 * The lock is a file naming its holder (pid, the holder's start time, host). It is held exactly as long as that
 * process lives: a lock whose holder is gone (killed with SIGKILL, crashed, the machine restarted) is taken over at
 * once, so a supervisor that restarts Joiner immediately after a crash does not crash-loop; a lock whose holder runs
 * is refused. The holder's start time tells a live holder from an unrelated process that got its pid later (in a
 * container, the restarted Joiner often has the very pid of the dead one).
 */
import { readFileSync } from 'node:fs';
import { link, mkdir, readFile, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Name of the lock file inside `DATA_DIR`. */
export const dataDirLockFileName = 'joiner.lock';

/** Held while a process takes over a dead holder's lock, so two starting processes cannot both take it. */
const takeoverDirName = 'joiner.lock.takeover';
/** A takeover directory older than this was left by a process that died in the middle of a takeover. */
const takeoverStaleMs = 10_000;
/** How often the holder checks that its lock file is still there and still names it. */
const verifyEveryMs = 10_000;

/** Who holds a data directory, as written in its lock file. */
export interface DataDirLockHolder {
  pid: number;
  /** The holder's start time as the OS counts it (Linux: jiffies since boot), null where it cannot be read. */
  startTime: string | null;
  hostname: string;
  /** When the lock was taken (ISO), for people reading the file. */
  lockedAt: string;
}

/** Thrown when another process holds the data directory: PGlite does not lock its files, two writers corrupt them. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirLockHolder | null,
  ) {
    const who =
      holder === null
        ? 'another process of this one'
        : `process ${holder.pid} on ${holder.hostname}, since ${holder.lockedAt}`;
    super(
      `The data directory ${dataDir} is in use by another Joiner process (${who}; lock file ` +
        `${path.join(dataDir, dataDirLockFileName)}). The embedded database allows one process per data directory: ` +
        'stop the other process (in embedded mode `joiner start` runs the API and the worker in one process), give ' +
        'this one its own DATA_DIR, or set DATABASE_URL to share a PostgreSQL database. A lock whose process has ' +
        'died is taken over at once; one held from another host is only released by deleting the lock file.',
    );
  }
}

/** Data directories this process holds (a second open in the same process is refused like another process's). */
const heldHere = new Set<string>();

/** The start time of a process (field 22 of `/proc/<pid>/stat`), or null where `/proc` cannot tell. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the holder named in a lock file still runs. A holder on another host cannot be checked and counts as
 * alive. A holder with this process's pid is a previous incarnation (this process did not write the file).
 */
export function isHolderAlive(holder: DataDirLockHolder): boolean {
  if (holder.hostname !== os.hostname()) return true;
  if (holder.pid === process.pid) return false;
  if (!processExists(holder.pid)) return false;
  if (holder.startTime === null) return true;
  const now = processStartTime(holder.pid);
  return now === null || now === holder.startTime;
}

function parseHolder(text: string): DataDirLockHolder | null {
  try {
    const value = JSON.parse(text) as Partial<DataDirLockHolder>;
    if (typeof value.pid !== 'number' || typeof value.hostname !== 'string') return null;
    return {
      pid: value.pid,
      startTime: typeof value.startTime === 'string' ? value.startTime : null,
      hostname: value.hostname,
      lockedAt: typeof value.lockedAt === 'string' ? value.lockedAt : 'an unknown time',
    };
  } catch {
    return null;
  }
}

async function readLockFile(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Creates the lock file with `content` if there is none (atomic: `link` fails when the name exists). */
async function tryCreate(file: string, content: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(temp, content, { flag: 'wx' });
  try {
    await link(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Replaces a dead holder's lock file by ours, under the takeover directory so that of two processes starting at once
 * only one takes over (the other then finds a live holder). False when someone else is taking over or the file
 * changed meanwhile.
 */
async function takeOver(dataDir: string, file: string, deadContent: string, content: string): Promise<boolean> {
  const takeoverDir = path.join(dataDir, takeoverDirName);
  try {
    await mkdir(takeoverDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const age = await stat(takeoverDir).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age < takeoverStaleMs) return false;
    await rmdir(takeoverDir).catch(() => undefined);
    return false;
  }
  try {
    if ((await readLockFile(file)) !== deadContent) return false;
    await rm(file, { force: true });
    return await tryCreate(file, content);
  } finally {
    await rmdir(takeoverDir).catch(() => undefined);
  }
}

/**
 * Takes the application lock on a data directory (creating the directory if needed), taking over at once a lock
 * whose holder has died. Resolves to the function that releases it (idempotent). `onCompromised` is called if the
 * lock file is removed or rewritten by someone else while held.
 * @throws DataDirLockedError when a live process (or another open database in this process) holds the lock
 */
export async function lockDataDir(dataDir: string, onCompromised: (err: Error) => void): Promise<() => Promise<void>> {
  const dir = path.resolve(dataDir);
  await mkdir(dir, { recursive: true });
  if (heldHere.has(dir)) throw new DataDirLockedError(dir, null);
  const file = path.join(dir, dataDirLockFileName);
  const holder: DataDirLockHolder = {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    hostname: os.hostname(),
    lockedAt: new Date().toISOString(),
  };
  const content = `${JSON.stringify(holder)}\n`;

  let taken = false;
  for (let attempt = 0; attempt < 3 && !taken; attempt++) {
    if (await tryCreate(file, content)) {
      taken = true;
      break;
    }
    const existing = await readLockFile(file);
    if (existing === null) continue;
    const current = parseHolder(existing);
    // An unreadable file is what a holder killed between creating and writing it would leave: nobody holds it.
    if (current !== null && isHolderAlive(current)) throw new DataDirLockedError(dir, current);
    taken = await takeOver(dir, file, existing, content);
  }
  if (!taken) {
    const existing = await readLockFile(file);
    throw new DataDirLockedError(dir, existing === null ? null : parseHolder(existing));
  }
  heldHere.add(dir);

  let released = false;
  const verifier = setInterval(() => {
    void readLockFile(file).then(
      (now) => {
        if (!released && now !== content) {
          onCompromised(new Error(`the lock file ${file} was removed or taken by another process`));
        }
      },
      () => undefined,
    );
  }, verifyEveryMs);
  verifier.unref();

  return async () => {
    if (released) return;
    released = true;
    clearInterval(verifier);
    heldHere.delete(dir);
    if ((await readLockFile(file)) === content) await rm(file, { force: true });
  };
}
