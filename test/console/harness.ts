/**
 * Joiner with its console on the Entra stand-in, driven by a real browser: the API (Koa over HTTP on a free port,
 * with PUBLIC_URL pointing at it), PGlite, Temporal from the tests' kit with a real worker, the Entra sandbox over
 * HTTPS, and Debian's Chromium through playwright-core (no browser download). One harness and one browser per file.
 * The default company starts without an Entra connection: the tests connect it through the console.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Worker } from '@temporalio/worker';
import type { EntraSandbox, EntraSandboxOptions } from '@joiner/entra-sandbox';
import { startEntraSandbox } from '@joiner/entra-sandbox';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { createApp } from '../../api/app';
import type { ConsoleEntra } from '../../api/console/integration';
import { signAlexisPayload } from '../../api/hr-webhook/signature';
import { createLogger } from '../../api/logger';
import { parseConfig } from '../../domain/config';
import type { HrEmployee, HrEventType } from '../../domain/hr-employee';
import { GraphDirectory } from '../../entra/graph-directory';
import { defaultCompanyId, ensureDefaultCompany } from '../../store/companies';
import type { Db } from '../../store/db';
import { createLifecycleActivities } from '../../worker/activities';
import { createGraphWriteWorker } from '../../worker/lifecycle-worker';
import type { EmployeeLifecycleState } from '../../workflows/definitions';
import { employeeWorkflowId } from '../../workflows/definitions';
import { CallsInFlight } from '../../orchestration/deadline';
import { HrOutboxRelay } from '../../orchestration/hr-outbox-relay';
import { queryEmployeeWorkflow } from '../../orchestration/employee-view';
import type { TestDatabase } from '../helpers/databases';
import { createTestDatabase } from '../helpers/databases';
import { TemporalTestKit } from '../helpers/temporal';
import { joinerSearchAttributeTypes } from '../lifecycle/harness';

export const adminPassword = 'correct horse battery staple';
export const webhookSecret = 'whsec_console_tests';
/** Debian's Chromium (`.ci/run` installs the `chromium` package). */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Debian's Chromium through playwright-core: no browser download, no sandbox (tests run as root in CI). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}
/** Screenshots of every page, kept as test artefacts (gitignored). */
export const screenshotDir = path.resolve(__dirname, '..', '..', 'test-artifacts', 'console');

export class ConsoleHarness {
  readonly kit = new TemporalTestKit({
    workflowsPath: require.resolve('../../workflows'),
    searchAttributes: joinerSearchAttributeTypes,
  });
  entra!: EntraSandbox;
  graph!: GraphDirectory;
  url!: string;
  browser!: Browser;
  context!: BrowserContext;
  page!: Page;
  private database!: TestDatabase;
  private server!: http.Server;
  private worker: { worker: Worker; done: Promise<void> } | null = null;
  private graphWriter: { worker: Worker; done: Promise<void> } | null = null;
  private readonly versions = new Map<string, number>();
  /** Temporal calls the app stopped waiting for: they end before the kit closes its connection. */
  private readonly inFlight = new CallsInFlight();
  /** Hands what the webhook accepted to Temporal, as in `joiner api`. */
  private relay: HrOutboxRelay | undefined;

  constructor(private readonly options: { entra?: EntraSandboxOptions } = {}) {}

  get db(): Db {
    return this.database.db;
  }

  async setup(): Promise<void> {
    const [, entra, database, browser] = await Promise.all([
      this.kit.setup(),
      startEntraSandbox({ control: true, latencyMs: 0, replicationLagMs: 0, ...this.options.entra }),
      createTestDatabase('pglite'),
      launchChromium(),
    ]);
    this.entra = entra;
    this.database = database;
    this.browser = browser;
    await ensureDefaultCompany(this.db);
    this.graph = new GraphDirectory({
      clientId: entra.clientId,
      clientSecret: entra.clientSecret,
      authorityHost: entra.url,
      graphBaseUrl: entra.url,
      caCertificate: entra.caCertPem,
    });

    // Listen first: PUBLIC_URL (the consent redirect and the SCIM tenant URL) needs the port.
    let handle: http.RequestListener = (_req, res) => res.end();
    this.server = http.createServer((req, res) => handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    const config = parseConfig({
      ADMIN_PASSWORD: adminPassword,
      WEBHOOK_SECRET: webhookSecret,
      PUBLIC_URL: this.url,
      TEMPORAL_UI_URL: 'http://temporal-ui.test:8233',
      LOG_LEVEL: 'silent',
    });
    const logger = createLogger({ level: 'silent' });
    const temporal = { client: this.kit.client.workflow, taskQueue: this.kit.taskQueue, inFlight: this.inFlight };
    const consoleEntra: ConsoleEntra = {
      clientId: entra.clientId,
      authorityHost: entra.url,
      probeConnection: (tenant) => this.graph.probeConnection(tenant),
      listVerifiedDomains: (tenant) => this.graph.listVerifiedDomains(tenant),
      forgetTenant: (tenant) => this.graph.forgetTenant(tenant),
    };
    this.relay = new HrOutboxRelay({ db: this.db, temporal, logger });
    const app = createApp({ db: this.db, temporal, config, logger, entra: consoleEntra, outbox: this.relay });
    this.relay.start();
    const callback = app.callback();
    handle = (req, res) => void callback(req, res);

    const worker = await this.kit.createWorker({
      activities: createLifecycleActivities({
        db: this.db,
        entra: this.graph,
        client: this.kit.client,
        taskQueue: this.kit.taskQueue,
      }),
    });
    this.worker = { worker, done: worker.run() };
    // Graph writes run on a task queue of their own.
    const writer = await createGraphWriteWorker({
      connection: this.kit.env.nativeConnection,
      namespace: this.kit.env.namespace ?? 'default',
      taskQueue: this.kit.taskQueue,
      db: this.db,
      entra: this.graph,
    });
    this.graphWriter = { worker: writer, done: writer.run() };
    // The sandbox's certificate is its own: the browser trusts it the way an administrator's would trust Microsoft's.
    this.context = await this.browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    this.page = await this.context.newPage();
    mkdirSync(screenshotDir, { recursive: true });
  }

  async teardown(): Promise<void> {
    await this.browser?.close();
    for (const running of [this.graphWriter, this.worker]) {
      if (running === null) continue;
      running.worker.shutdown();
      await running.done;
    }
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
    await this.relay?.stop();
    await this.inFlight.settled();
    await this.graph?.close();
    await this.entra?.close();
    try {
      await this.kit.teardown();
    } finally {
      await this.database?.close();
    }
  }

  /** Saves a full-page screenshot as `test-artifacts/console/<name>.png`. */
  async screenshot(name: string, page: Page = this.page): Promise<void> {
    await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
  }

  async signIn(page: Page = this.page, password = adminPassword): Promise<void> {
    await page.goto(`${this.url}/sign-in`);
    await page.getByLabel('Administrator password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Sends a signed HR webhook for the employee (next version) and expects 202. */
  async hr(type: HrEventType, employee: Partial<HrEmployee> & { id: string }): Promise<void> {
    const version = (this.versions.get(employee.id) ?? 0) + 1;
    this.versions.set(employee.id, version);
    const body = JSON.stringify({
      id: `evt_${randomUUID()}`,
      type,
      occurredAt: new Date().toISOString(),
      companyId: defaultCompanyId,
      data: { employee: { ...employee, version } },
    });
    const res = await fetch(`${this.url}/webhooks/alexis`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-alexis-signature': signAlexisPayload(webhookSecret, body) },
      body,
    });
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
    this.kit.track(this.kit.client.workflow.getHandle(employeeWorkflowId(defaultCompanyId, employee.id)));
  }

  /** The workflow's `state`, or null when there is none yet or Temporal did not answer within 5 s. */
  async state(employeeId: string): Promise<EmployeeLifecycleState | null> {
    const result = await queryEmployeeWorkflow(this.kit.client.workflow, defaultCompanyId, employeeId, 5_000);
    return result.status === 'answered' ? result.state : null;
  }

  /** Polls the workflow's `state` until `predicate` holds (fails with the last state after `timeoutMs`). */
  async until(
    employeeId: string,
    predicate: (state: EmployeeLifecycleState) => boolean,
    timeoutMs = 30_000,
  ): Promise<EmployeeLifecycleState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.state(employeeId);
      if (state !== null && predicate(state)) return state;
      if (Date.now() > deadline) throw new Error(`state of ${employeeId} never matched: ${JSON.stringify(state)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits until the element's text (trimmed) is `expected`, or matches it when it is a RegExp; fails after 10 s. */
  async expectText(locator: Locator, expected: string | RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = '';
    for (;;) {
      seen = (
        await locator
          .first()
          .innerText({ timeout: timeoutMs })
          .catch(() => '')
      ).trim();
      if (typeof expected === 'string' ? seen === expected : expected.test(seen)) return;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (typeof expected === 'string') expect(seen).toBe(expected);
    else expect(seen).toMatch(expected);
  }

  /** The Entra user with this userPrincipalName in the sandbox's seeded tenant, if any. */
  entraUser(userPrincipalName: string) {
    const users = this.entra.control.state().users[this.entra.tenantId] ?? [];
    return users.find((u) => String(u.props.userPrincipalName).toLowerCase() === userPrincipalName.toLowerCase());
  }
}
