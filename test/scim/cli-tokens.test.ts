/** `joiner tokens create|list|revoke` as an administrator runs them: the built CLI on an embedded data directory. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { verifyAccessToken } from '../../store/access-tokens';
import { openDatabase } from '../../store/db';

const run = promisify(execFile);
const cli = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'joiner-cli-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

function joiner(...args: string[]) {
  return run(process.execPath, [cli, ...args], {
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
  }).then(
    (r) => ({ code: 0, ...r }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
}

describe('joiner tokens', () => {
  it('creates a token that prints only itself on stdout, lists it without it, and revokes it', async () => {
    const created = await joiner('tokens', 'create', '--name', 'Entra provisioning', '--description', 'Contoso');
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(created.stdout).toBe(`${token}\n`);
    expect(token).toMatch(/^jnr_[A-Za-z0-9_-]{40,}$/);

    const listed = await joiner('tokens', 'list', '--json');
    expect(listed.stdout).not.toContain(token);
    const [info] = JSON.parse(listed.stdout) as Array<{
      id: string;
      name: string;
      description: string;
      revokedAt: null;
    }>;
    expect(info).toMatchObject({ name: 'Entra provisioning', description: 'Contoso', revokedAt: null });

    const database = await openDatabase({ kind: 'pglite', dataDir });
    try {
      expect(await verifyAccessToken(database.db, token)).toMatchObject({ companyId: 'default' });
    } finally {
      await database.close();
    }

    expect((await joiner('tokens', 'revoke', info!.id)).code).toBe(0);
    const database2 = await openDatabase({ kind: 'pglite', dataDir });
    try {
      expect(await verifyAccessToken(database2.db, token)).toBeNull();
    } finally {
      await database2.close();
    }
  }, 90_000);

  it('says what is wrong: exit code 1 for an unknown company or token, 2 for an empty name (a usage error)', async () => {
    const unknown = await joiner('tokens', 'create', '--name', 'x', '--company', 'nope');
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toContain('no company "nope"');
    expect((await joiner('tokens', 'create', '--name', '  ')).code).toBe(2);
    expect((await joiner('tokens', 'revoke', '00000000-0000-0000-0000-000000000000')).code).toBe(1);
  }, 90_000);
});
