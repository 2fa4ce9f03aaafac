import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';

/** Name of the lock file inside `DATA_DIR`. */
export const dataDirLockFileName = 'joiner.lock';

/**
 * A lock older than this is taken to belong to a process that died. Long enough that a process whose event loop is
 * blocked for a while (PGlite's start compiles WebAssembly) does not lose it.
 */
const staleAfterMs = 30_000;

/** Thrown when another process holds the data directory: PGlite does not lock its files, two writers corrupt them. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    cause: unknown,
  ) {
    super(
      `The data directory ${dataDir} is in use by another Joiner process (lock file ${path.join(dataDir, dataDirLockFileName)}). ` +
        'The embedded database allows one process per data directory: stop the other process (in embedded mode ' +
        '`joiner start` runs the API and the worker in one process), give this one its own DATA_DIR, or set ' +
        `DATABASE_URL to share a PostgreSQL database. If no other process is running, the lock is released ${staleAfterMs / 1000} s after its owner died.`,
      { cause },
    );
  }
}

/**
 * Takes the application lock on a data directory (creating the directory if needed). Resolves to the function that
 * releases it.
 * @throws DataDirLockedError when another process (or another open database in this process) holds the lock
 */
export async function lockDataDir(dataDir: string, onCompromised: (err: Error) => void): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  try {
    return await lockfile.lock(dataDir, {
      lockfilePath: path.join(dataDir, dataDirLockFileName),
      stale: staleAfterMs,
      update: staleAfterMs / 3,
      retries: 0,
      onCompromised,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') throw new DataDirLockedError(dataDir, err);
    throw err;
  }
}
