/**
 * Which workflow code a worker runs: the bundle `npm run build` made, only when it is at least as new as the built
 * workflows beside it, and never when the worker runs from source.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prebuiltWorkflowBundle } from '../../worker/workflow-bundle';

describe('the prebuilt workflow bundle', () => {
  let dir: string;
  let workflows: string;
  let bundle: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'joiner-bundle-'));
    workflows = path.join(dir, 'index.js');
    bundle = path.join(dir, 'bundled-workflows.js');
    writeFileSync(workflows, '// built workflows');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);

  it('is used when the build made it after the workflows', () => {
    writeFileSync(bundle, '// bundle');
    at(workflows, 1_000);
    at(bundle, 1_001);
    expect(prebuiltWorkflowBundle(dir, workflows)).toEqual({ codePath: bundle });
  });

  it('is not used when it is older than the workflows (a build that did not bundle them)', () => {
    writeFileSync(bundle, '// bundle');
    at(bundle, 1_000);
    at(workflows, 1_001);
    expect(prebuiltWorkflowBundle(dir, workflows)).toBeUndefined();
  });

  it('is not used when there is none, or when the worker runs the TypeScript source', () => {
    expect(prebuiltWorkflowBundle(dir, workflows)).toBeUndefined();
    writeFileSync(bundle, '// bundle');
    expect(prebuiltWorkflowBundle(dir, path.join(dir, 'index.ts'))).toBeUndefined();
  });
});
