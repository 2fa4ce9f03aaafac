import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { companies } from '../../store/schema';
import { DataDirLockedError, dataDirLockFileName, lockDataDir } from '../../store/data-dir-lock';
import type { Database } from '../../store/db';
import { openDatabase } from '../../store/db';
import { defaultCompanyPolicies } from '../../domain/policies';

/** Compiles Joiner's TypeScript on the fly (swc) in a child `node -e` script. */
const requireTs = `
  const swc = require('@swc/core');
  require.extensions['.ts'] = (module, file) => module._compile(swc.transformFileSync(file, {
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }).code, file);
  const { lockDataDir } = require(${JSON.stringify(path.resolve(__dirname, '../../store/data-dir-lock.ts'))});
`;

/**
 * Starts another Node process that takes the data-dir lock with Joiner's own code and holds it until its stdin
 * closes (or it is killed). Resolves once it reported `locked` or `refused`.
 */
async function lockInAnotherProcess(dataDir: string) {
  const script = `${requireTs}
    lockDataDir(process.argv[1], (err) => { throw err; }).then(
      (release) => {
        process.stdout.write('locked\\n');
        process.stdin.resume();
        process.stdin.on('end', () => release().then(() => process.exit(0)));
      },
      (err) => { process.stdout.write(err.name === 'DataDirLockedError' ? 'refused\\n' : 'failed ' + err.message); process.exit(0); },
    );
  `;
  const child = spawn(process.execPath, ['-e', script, dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const [firstOutput] = (await once(child.stdout, 'data')) as [Buffer];
  return {
    outcome: firstOutput.toString().trim(),
    async exit() {
      child.stdin.end();
      await exited;
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('the embedded database in a data directory', () => {
  let dataDir: string;
  const opened: Database[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'joiner-data-dir-'));
  });

  afterAll(async () => {
    await Promise.all(opened.map((database) => database.close()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a second open of the same directory with an error naming it, and opens again after close', async () => {
    const first = await openDatabase({ kind: 'pglite', dataDir });
    opened.push(first);
    await first.db.insert(companies).values({ id: 'kept', name: 'Kept AB', policies: defaultCompanyPolicies });

    const second = openDatabase({ kind: 'pglite', dataDir });
    await expect(second).rejects.toThrow(DataDirLockedError);
    await expect(second).rejects.toThrow(`The data directory ${dataDir} is in use by another Joiner process`);
    await expect(second).rejects.toThrow(/stop the other process.*DATA_DIR.*DATABASE_URL/s);

    await first.close();
    const reopened = await openDatabase({ kind: 'pglite', dataDir });
    opened.push(reopened);
    const rows = await reopened.db.select({ id: companies.id }).from(companies);
    expect(rows).toEqual([{ id: 'kept' }]);
  }, 120_000);

  it('refuses to open a directory another process holds, and opens once that process has let go', async () => {
    await Promise.all(opened.map((database) => database.close()));
    const other = await lockInAnotherProcess(dataDir);
    expect(other.outcome).toBe('locked');
    await expect(openDatabase({ kind: 'pglite', dataDir })).rejects.toThrow(
      `The data directory ${dataDir} is in use by another Joiner process`,
    );
    await other.exit();
    const database = await openDatabase({ kind: 'pglite', dataDir });
    opened.push(database);
    await expect(database.db.select({ id: companies.id }).from(companies)).resolves.toEqual([{ id: 'kept' }]);
  }, 120_000);

  it('takes over at once the lock of a process killed with SIGKILL, with the data intact', async () => {
    await Promise.all(opened.splice(0).map((database) => database.close()));
    const crashed = await lockInAnotherProcess(dataDir);
    expect(crashed.outcome).toBe('locked');
    await crashed.kill9();
    // The dead holder's lock file is still there: nothing released it.
    const left = JSON.parse(await readFile(path.join(dataDir, dataDirLockFileName), 'utf8')) as { pid: number };
    expect(left.pid).not.toBe(process.pid);

    const database = await openDatabase({ kind: 'pglite', dataDir });
    opened.push(database);
    await expect(database.db.select({ id: companies.id }).from(companies)).resolves.toEqual([{ id: 'kept' }]);
    // And it is really held again: another process is refused while this one lives.
    const other = await lockInAnotherProcess(dataDir);
    expect(other.outcome).toBe('refused');
    await other.exit();
  }, 120_000);

  it('takes over a lock that names this very pid (a restarted container) but refuses one of a live process', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'joiner-lock-'));
    try {
      const lockFile = path.join(dir, dataDirLockFileName);
      const previous = { pid: process.pid, startTime: '1', hostname: os.hostname(), lockedAt: '2026-01-01T00:00:00Z' };
      await writeFile(lockFile, JSON.stringify(previous));
      const release = await lockDataDir(dir, (err) => {
        throw err;
      });
      const mine = JSON.parse(await readFile(lockFile, 'utf8')) as { lockedAt: string };
      expect(mine.lockedAt).not.toBe(previous.lockedAt);
      await release();

      // The parent of this jest worker is alive: its lock is refused, and the message names it.
      const live = { pid: process.ppid, startTime: null, hostname: os.hostname(), lockedAt: '2026-01-01T00:00:00Z' };
      await writeFile(lockFile, JSON.stringify(live));
      await expect(lockDataDir(dir, () => undefined)).rejects.toThrow(`process ${process.ppid} on ${os.hostname()}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("of two processes starting at once on a dead holder's lock, exactly one takes it", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'joiner-lock-race-'));
    try {
      const crashed = await lockInAnotherProcess(dir);
      await crashed.kill9();
      const contenders = await Promise.all([lockInAnotherProcess(dir), lockInAnotherProcess(dir)]);
      expect(contenders.map((c) => c.outcome).sort()).toEqual(['locked', 'refused']);
      await Promise.all(contenders.map((c) => c.exit()));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
