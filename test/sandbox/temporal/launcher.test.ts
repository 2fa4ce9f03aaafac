import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { defineSearchAttributeKey } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { parseLaunchArgs } from '../../../sandbox/temporal';
import { sandboxLauncherPath, startTemporalSandbox } from '../../helpers/temporal';

const KEYWORD = 2;

describe('the Temporal sandbox launcher', () => {
  test('a bare port is the test-server shape and turns time skipping on', () => {
    expect(parseLaunchArgs(['7234'])).toMatchObject({ port: 7234, timeSkipping: true, host: '127.0.0.1' });
  });

  test('the dev-server shape runs in real time and ignores dev-server flags it has no use for', () => {
    const options = parseLaunchArgs([
      'server',
      'start-dev',
      '--port',
      '7235',
      '--ip',
      '127.0.0.1',
      '--namespace',
      'joiner',
      '--db-filename',
      '/tmp/x.db',
      '--ui-port',
      '8233',
      '--headless',
      '--log-format',
      'pretty',
      '--search-attribute',
      'CompanyId=Keyword',
    ]);
    expect(options).toEqual({
      host: '127.0.0.1',
      port: 7235,
      timeSkipping: false,
      namespaces: ['joiner'],
      searchAttributes: { CompanyId: KEYWORD },
      verbose: false,
    });
  });

  test('a search attribute with an unknown type is refused with the accepted types', () => {
    expect(() => parseLaunchArgs(['--search-attribute', 'CompanyId=Word'])).toThrow(/Keyword/);
    expect(() => parseLaunchArgs(['--port', 'eighty'])).toThrow(/invalid port/);
  });

  test('without a build the launcher says how to build instead of crashing', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-sandbox-'));
    try {
      mkdirSync(path.join(dir, 'bin'));
      copyFileSync(sandboxLauncherPath, path.join(dir, 'bin', 'temporal-sandbox'));
      const result = spawnSync(process.execPath, [path.join(dir, 'bin', 'temporal-sandbox'), '0'], {
        encoding: 'utf8',
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/npm run build/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('createLocal runs it in the dev-server shape with the search attributes it asks for', async () => {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: sandboxLauncherPath },
        searchAttributes: [defineSearchAttributeKey('LifecyclePhase', 'KEYWORD')],
      },
    });
    try {
      expect(env.supportsTimeSkipping).toBe(false);
      const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(customAttributes).toMatchObject({ LifecyclePhase: KEYWORD });
    } finally {
      await env.teardown();
    }
  });

  test('startTemporalSandbox serves in-process with pre-registered attributes until closed', async () => {
    const sandbox = await startTemporalSandbox({ port: 0, searchAttributes: { CompanyId: 'Keyword' } });
    const connection = await Connection.connect({ address: sandbox.address });
    try {
      expect((await connection.healthService.check({})).status).toBe(1 /* SERVING */);
      const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: 'default' });
      expect(namespaceInfo?.name).toBe('default');
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(customAttributes).toMatchObject({ CompanyId: KEYWORD });
    } finally {
      await connection.close();
      await sandbox.close();
    }
  });
});
