/**
 * Workflows already running in a deployment replay their histories on the new code after an upgrade. These histories
 * were recorded by an earlier build of Joiner on Temporal's dev server (onboarding a manager and a report with their
 * hire dates, the report's manager and a title change, an offboarding with its leave date). A change of workflow code
 * that these histories no longer replay on needs a `patched()` branch. Stored as @temporalio/proto's own object form
 * (`History.toObject` with longs, enums and bytes as strings), which it reads back without a second protobufjs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { bundleWorkflowsOnce } from '../helpers/temporal';

const dir = path.join(__dirname, 'histories');

test('employee workflow histories recorded by an earlier build replay on the current workflow code', async () => {
  // The replay worker's INFO lines are noise here; a failed replay is thrown below.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThan(0);
  const histories = files.map((file) => ({
    workflowId: `employee/default/${path.basename(file, '.json')}`,
    history: temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(path.join(dir, file), 'utf8'))),
  }));
  const workflowBundle = await bundleWorkflowsOnce(require.resolve('../../workflows'));
  const replayed: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
    if (result.error) throw new Error(`replay of ${result.workflowId} failed: ${String(result.error)}`);
    replayed.push(result.workflowId);
  }
  expect(replayed.sort()).toEqual(histories.map((h) => h.workflowId).sort());
});
