/**
 * The workflows bundled once, at build time: `npm run build` runs this file from `dist/` and writes
 * `dist/worker/bundled-workflows.js`. A worker started from the build loads that file instead of bundling the workflows
 * with webpack at every start, about 1.5 s of CPU (2026-12-04, this machine) that a restart after a crash would
 * otherwise spend beside the API starting on the same cores (or, in `joiner start`, on the API's own event loop).
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const bundleFile = 'bundled-workflows.js';

/** Where the workflows' entry is: `workflows/index.ts` from source, `dist/workflows/index.js` from the build. */
export function workflowsPath(): string {
  return require.resolve('../workflows');
}

/**
 * The bundle made by the build the worker runs from, or undefined (run from source: the worker bundles at start). A
 * bundle older than the built workflows (a build that skipped this step) is not used: a worker runs exactly the
 * workflows it was built with.
 */
export function prebuiltWorkflowBundle(dir = __dirname, workflows = workflowsPath()): { codePath: string } | undefined {
  const codePath = path.join(dir, bundleFile);
  if (!workflows.endsWith('.js') || !existsSync(codePath)) return undefined;
  if (statSync(codePath).mtimeMs < statSync(workflows).mtimeMs) return undefined;
  return { codePath };
}

async function writeBundle(): Promise<void> {
  const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: new DefaultLogger('WARN') });
  writeFileSync(path.join(__dirname, bundleFile), code);
}

if (require.main === module) {
  writeBundle().catch((err: unknown) => {
    console.error('the workflow bundle could not be built:', err);
    process.exit(1);
  });
}
