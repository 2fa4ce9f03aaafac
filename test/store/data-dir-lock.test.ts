import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { companies } from '../../store/schema';
import { DataDirLockedError } from '../../store/data-dir-lock';
import type { Database } from '../../store/db';
import { openDatabase } from '../../store/db';
import { defaultCompanyPolicies } from '../../domain/policies';

/**
 * Starts another Node process that takes the data-dir lock with Joiner's own code (compiled on the fly by swc) and
 * holds it until its stdin closes.
 */
async function holdLockInAnotherProcess(dataDir: string) {
  const script = `
    const swc = require('@swc/core');
    require.extensions['.ts'] = (module, file) => module._compile(swc.transformFileSync(file, {
      jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }).code, file);
    require(${JSON.stringify(path.resolve(__dirname, '../../store/data-dir-lock.ts'))})
      .lockDataDir(process.argv[1], (err) => { throw err; })
      .then((release) => {
        process.stdout.write('locked\\n');
        process.stdin.resume();
        process.stdin.on('end', () => release().then(() => process.exit(0)));
      });
  `;
  const child = spawn(process.execPath, ['-e', script, dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [firstOutput] = (await once(child.stdout, 'data')) as [Buffer];
  expect(firstOutput.toString()).toBe('locked\n');
  return {
    async exit() {
      child.stdin.end();
      await once(child, 'exit');
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
    const other = await holdLockInAnotherProcess(dataDir);
    await expect(openDatabase({ kind: 'pglite', dataDir })).rejects.toThrow(
      `The data directory ${dataDir} is in use by another Joiner process`,
    );
    await other.exit();
    const database = await openDatabase({ kind: 'pglite', dataDir });
    opened.push(database);
    await expect(database.db.select({ id: companies.id }).from(companies)).resolves.toEqual([{ id: 'kept' }]);
  }, 120_000);
});
