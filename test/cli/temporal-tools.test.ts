/** Finding the Temporal CLI and test server: the environment first, then PATH, then the install script's directory. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findTemporalCli, findTemporalTestServer, temporalToolsDir } from '../../cli/temporal-tools';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'joiner-tools-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function executable(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\n');
  chmodSync(file, 0o755);
  return file;
}

describe('temporalToolsDir', () => {
  it('is JOINER_TOOLS_DIR, else XDG_CACHE_HOME/joiner, else ~/.cache/joiner', () => {
    expect(temporalToolsDir({ JOINER_TOOLS_DIR: '/opt/tools', XDG_CACHE_HOME: '/x' })).toBe('/opt/tools');
    expect(temporalToolsDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/joiner');
    expect(temporalToolsDir({})).toBe(path.join(os.homedir(), '.cache', 'joiner'));
  });
});

describe('findTemporalCli', () => {
  it('prefers TEMPORAL_CLI_PATH, then PATH, then the install dir', () => {
    const named = executable(path.join(root, 'named', 'temporal'));
    const onPath = executable(path.join(root, 'path-bin', 'temporal'));
    const installed = executable(path.join(root, 'tools', 'bin', 'temporal'));
    const env = { JOINER_TOOLS_DIR: path.join(root, 'tools'), PATH: `/nonexistent:${path.dirname(onPath)}` };
    expect(findTemporalCli({ ...env, TEMPORAL_CLI_PATH: named })).toEqual({ path: named, source: 'TEMPORAL_CLI_PATH' });
    expect(findTemporalCli(env)).toEqual({ path: onPath, source: 'PATH' });
    expect(findTemporalCli({ ...env, PATH: '/nonexistent' })).toEqual({ path: installed, source: 'install dir' });
  });

  it('finds nothing when there is no CLI, and refuses a TEMPORAL_CLI_PATH that is not executable', () => {
    expect(findTemporalCli({ JOINER_TOOLS_DIR: root, PATH: '' })).toBeUndefined();
    writeFileSync(path.join(root, 'plain'), '');
    expect(() => findTemporalCli({ TEMPORAL_CLI_PATH: path.join(root, 'plain') })).toThrow(
      /TEMPORAL_CLI_PATH=.*plain is not an executable file/,
    );
  });
});

describe('findTemporalTestServer', () => {
  it('is the launcher in bin/ once the jars are installed, TEMPORAL_TEST_SERVER_PATH when set', () => {
    expect(findTemporalTestServer({ JOINER_TOOLS_DIR: root })).toBeUndefined();
    mkdirSync(path.join(root, 'temporal-test-server', 'current', 'lib'), { recursive: true });
    expect(findTemporalTestServer({ JOINER_TOOLS_DIR: root })).toBe(
      path.resolve(__dirname, '..', '..', 'bin', 'temporal-test-server'),
    );
    const named = executable(path.join(root, 'my-test-server'));
    expect(findTemporalTestServer({ JOINER_TOOLS_DIR: root, TEMPORAL_TEST_SERVER_PATH: named })).toBe(named);
  });
});
