/**
 * What an operator sees of an employee in the Temporal UI: `joiner start` as a user runs it (the built CLI, the
 * Temporal dev server with its Web UI on a free TEMPORAL_UI_PORT, the Entra stand-in), one signed HR webhook, then
 * Debian's Chromium on the UI's workflow list and the employee's workflow `employee/default/<id>`.
 */
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { signAlexisPayload } from '../../api/hr-webhook/signature';
import { freePort } from '../../cli/ports';
import type { EmployeeLifecycleState } from '../../workflows/definitions';
import { employeeWorkflowId, stateQuery } from '../../workflows/definitions';
import { launchChromium } from '../console/harness';
import { JoinerProcess, repo } from '../cli/run-joiner';

/** Screenshots kept as test artefacts (gitignored); docs/images/temporal-ui/ holds a committed copy of one. */
const screenshotDir = path.join(repo, 'test-artifacts', 'temporal-ui');
const secret = 'whsec_temporal_ui';
const employee = {
  id: 'emp_ada',
  version: 1,
  firstName: 'Ada',
  lastName: 'Lovelace',
  workEmail: 'ada.lovelace@contoso.com',
  hireDate: new Date().toISOString().slice(0, 10),
};
const workflowId = employeeWorkflowId('default', employee.id);

let dataDir: string;
let joiner: JoinerProcess;
let ui: string;
let browser: Browser;
let page: Page;
let runId: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'joiner-temporal-ui-'));
  const uiPort = await freePort();
  ui = `http://localhost:${uiPort}`;
  mkdirSync(screenshotDir, { recursive: true });
  // The CLI search of `joiner start` (TEMPORAL_CLI_PATH, PATH, the install dir) is the user's: pass theirs on.
  const cli = process.env.TEMPORAL_CLI_PATH;
  const cliPath: Record<string, string> = cli === undefined ? {} : { TEMPORAL_CLI_PATH: cli };
  joiner = JoinerProcess.start('start', {
    DATA_DIR: dataDir,
    WEBHOOK_SECRET: secret,
    TEMPORAL_UI_PORT: String(uiPort),
    ...cliPath,
  });
  const [running, launched] = await Promise.all([
    joiner.logged('joiner is running (API and worker)'),
    launchChromium(),
  ]);
  browser = launched;
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // A missing element fails its test with the locator's name, before jest's own timeout.
  page.setDefaultTimeout(10_000);

  const body = JSON.stringify({
    id: 'evt_temporal_ui_1',
    type: 'employee.onboarded',
    occurredAt: new Date().toISOString(),
    companyId: 'default',
    data: { employee },
  });
  const res = await fetch(`http://localhost:${String(running.port)}/webhooks/alexis`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-alexis-signature': signAlexisPayload(secret, body) },
    body,
  });
  expect(res.status).toBe(202);

  // Wait, as Joiner's own status does, until the workflow has written the user: the UI then has something to show.
  const { address } = await joiner.logged(`Temporal dev server running; its Web UI: ${ui}`);
  const connection = await Connection.connect({ address: String(address) });
  try {
    const handle = new Client({ connection }).workflow.getHandle(workflowId);
    for (const deadline = Date.now() + 45_000; ;) {
      const state = await handle.query<EmployeeLifecycleState>(stateQuery).catch(() => undefined);
      // Hired today: the user is written and the employee is active.
      if (state?.reconciledHrVersion === 1 && state.phase === 'active') break;
      if (Date.now() > deadline) throw new Error(`the workflow did not reconcile: ${JSON.stringify(state)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    runId = (await handle.describe()).runId;
  } finally {
    await connection.close();
  }
}, 150_000);

afterAll(async () => {
  await browser?.close();
  expect(await joiner?.stop()).toBe(0);
  await rm(dataDir, { recursive: true, force: true });
}, 30_000);

/** The UI's list of workflows in the default namespace that match a visibility query. */
const listUrl = (query: string) => `${ui}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
const workflowUrl = () => `${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${runId}`;
const screenshot = (name: string) => page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });

// Generous bounds for a shared machine (about 45 s in all when quiet): each wait inside fails on its own first.
jest.setTimeout(60_000);

describe('the Temporal UI of `joiner start`', () => {
  it('lists the employee’s workflow by its LifecyclePhase and WorkEmail search attributes', async () => {
    await page.goto(listUrl(`WorkEmail="${employee.workEmail}" AND LifecyclePhase="active"`));
    await page.getByRole('link', { name: workflowId, exact: true }).waitFor();
    await page.getByRole('heading', { name: '1 Workflow', exact: true }).waitFor();
    await expect(page.getByRole('link', { name: runId, exact: true }).count()).resolves.toBe(1);
    await screenshot('workflow-list');

    // The same list with another phase is empty: the UI filters on the attribute's value, not its presence.
    await page.goto(listUrl(`WorkEmail="${employee.workEmail}" AND LifecyclePhase="left"`));
    await page.getByRole('heading', { name: '0 Workflows', exact: true }).waitFor();
    await expect(page.getByRole('link', { name: workflowId, exact: true }).count()).resolves.toBe(0);
  });

  it('shows the workflow’s search attributes and its event history', async () => {
    await page.goto(workflowUrl());
    await page.getByRole('heading', { name: workflowId }).first().waitFor();
    await page.getByText('Search Attributes', { exact: true }).first().click();
    await page.getByText(employee.workEmail, { exact: false }).first().waitFor();
    const attributes = await page.locator('main').innerText();
    expect(attributes).toContain(`"LifecyclePhase": "active"`);
    expect(attributes).toContain(`"WorkEmail": "${employee.workEmail}"`);
    await screenshot('search-attributes');

    await page.goto(`${workflowUrl()}/history`);
    // The HR change arrives as a signal; the Entra user is written by an activity.
    for (const text of ['Workflow Execution Signaled', 'hrSnapshot', 'Activity Task Completed', 'createEntraUser']) {
      await page.getByText(text, { exact: true }).filter({ visible: true }).first().waitFor();
    }
    await screenshot('workflow');
  });
});
