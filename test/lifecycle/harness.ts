/**
 * End-to-end harness for the HR → Entra lifecycle: the real API (Koa, over HTTP on an ephemeral port), a PGlite
 * database, the Temporal sandbox in a time-skipping test environment with a real worker, and the Entra sandbox
 * reached by the real Graph client over HTTPS. One harness per test file; every workflow it touches is replayed at
 * teardown.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { DumpedUser, EntraSandbox, EntraSandboxOptions } from '@joiner/entra-sandbox';
import { startEntraSandbox } from '@joiner/entra-sandbox';
import type { GraphWritePacer } from '../../activities/graph-write-pacer';
import { signAlexisPayload } from '../../api/hr-webhook/signature';
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { parseConfig } from '../../domain/config';
import type { HrEmployee, HrEventType } from '../../domain/hr-employee';
import type { CompanyPolicies } from '../../domain/policies';
import { CompanyPolicies as CompanyPoliciesSchema } from '../../domain/policies';
import { GraphDirectory } from '../../entra/graph-directory';
import { connectEntra, defaultCompanyId, ensureDefaultCompany, setCompanyPolicies } from '../../store/companies';
import type { Db } from '../../store/db';
import { createLifecycleActivities } from '../../worker/activities';
import { createGraphWriteWorker } from '../../worker/lifecycle-worker';
import type { EmployeeLifecycleState } from '../../workflows/definitions';
import { employeeWorkflowId, stateQuery } from '../../workflows/definitions';
import { CallsInFlight } from '../../orchestration/deadline';
import { HrOutboxRelay, relayCompanySettingsTtlMs } from '../../orchestration/hr-outbox-relay';
import { serve, type ServedApp } from '../api/serve';
import type { TestDatabase } from '../helpers/databases';
import { createTestDatabase } from '../helpers/databases';
import { TemporalTestKit } from '../helpers/temporal';
import { joinerSearchAttributeKinds } from '../../orchestration/search-attributes';

export const webhookSecret = 'whsec_lifecycle_tests';

/** The search attributes Joiner's workflows index. */
export const joinerSearchAttributeTypes = joinerSearchAttributeKinds;

export interface LifecycleHarnessOptions {
  entra?: EntraSandboxOptions;
  policies?: Partial<CompanyPolicies>;
  /** Pace Graph writes (default: no pacer, so tests see Graph's own throttling). */
  pacer?: GraphWritePacer;
  /** The Temporal server (see TemporalTestKitOptions.server); default the time-skipping test server. */
  temporal?: 'time-skipping' | 'dev';
}

/** An HR employee as tests write it: an id and any fields; the harness fills the rest with null and the version. */
export type EmployeeFields = Partial<Omit<HrEmployee, 'version'>> & { id: string };

export class LifecycleHarness {
  readonly kit: TemporalTestKit;
  entra!: EntraSandbox;
  graph!: GraphDirectory;
  private database!: TestDatabase;
  api!: ServedApp;
  private running: { worker: Worker; done: Promise<void> } | null = null;
  private graphWriter: { worker: Worker; done: Promise<void> } | null = null;
  private readonly versions = new Map<string, number>();
  private readonly tracked = new Set<string>();
  /** Signals the webhook stopped waiting for: settled before the kit closes the client's connection. */
  private readonly inFlight = new CallsInFlight();
  /** Hands what the webhook accepted to Temporal, as in `joiner api`. */
  private relay: HrOutboxRelay | undefined;

  constructor(private readonly options: LifecycleHarnessOptions = {}) {
    this.kit = new TemporalTestKit({
      workflowsPath: require.resolve('../../workflows'),
      searchAttributes: joinerSearchAttributeTypes,
      server: options.temporal,
    });
  }

  get db(): Db {
    return this.database.db;
  }

  async setup(): Promise<void> {
    const [, entra, database] = await Promise.all([
      this.kit.setup(),
      startEntraSandbox({ control: true, ...this.options.entra }),
      createTestDatabase('pglite'),
    ]);
    this.entra = entra;
    this.database = database;
    await ensureDefaultCompany(this.db);
    await connectEntra(this.db, defaultCompanyId, entra.tenantId);
    if (this.options.policies) await this.setPolicies(this.options.policies);
    this.graph = new GraphDirectory({
      clientId: entra.clientId,
      clientSecret: entra.clientSecret,
      authorityHost: entra.url,
      graphBaseUrl: entra.url,
      caCertificate: entra.caCertPem,
    });
    const config = parseConfig({ WEBHOOK_SECRET: webhookSecret, LOG_LEVEL: 'silent' });
    const logger = createLogger({ level: 'silent' });
    const temporal = { client: this.kit.client.workflow, taskQueue: this.kit.taskQueue, inFlight: this.inFlight };
    this.relay = new HrOutboxRelay({ db: this.db, temporal, logger });
    this.api = await serve(createApp({ db: this.db, temporal, config, logger, outbox: this.relay }));
    this.relay.start();
    await this.startWorker();
  }

  /**
   * Sets the company's policies in the database, then waits until the relay sends them with the next HR change: it
   * reuses a company's settings for up to relayCompanySettingsTtlMs. (A change through the admin API is followed by
   * the company's resync, which makes every workflow read the new ones; this bypasses it.)
   */
  async setPolicies(policies: Partial<CompanyPolicies>): Promise<void> {
    await setCompanyPolicies(this.db, defaultCompanyId, CompanyPoliciesSchema.parse(policies));
    await new Promise((resolve) => setTimeout(resolve, relayCompanySettingsTtlMs));
  }

  /** Starts a worker with the lifecycle activities over the harness's clients, and one on the Graph-write queue. */
  async startWorker(): Promise<void> {
    if (this.running) return;
    const worker = await this.kit.createWorker({
      activities: createLifecycleActivities({
        db: this.db,
        entra: this.graph,
        client: this.kit.client,
        taskQueue: this.kit.taskQueue,
        pacer: this.options.pacer,
      }),
    });
    this.running = { worker, done: worker.run() };
    await this.startGraphWriter();
  }

  /** Starts the worker of the Graph-write task queue (activities only), unless it runs. */
  async startGraphWriter(): Promise<void> {
    if (this.graphWriter) return;
    const worker = await createGraphWriteWorker({
      connection: this.kit.env.nativeConnection,
      namespace: this.kit.env.namespace ?? 'default',
      taskQueue: this.kit.taskQueue,
      db: this.db,
      entra: this.graph,
      pacer: this.options.pacer,
    });
    this.graphWriter = { worker, done: worker.run() };
  }

  /** Stops the worker of the Graph-write task queue: Graph writes wait in Temporal until one polls again. */
  async stopGraphWriter(): Promise<void> {
    if (!this.graphWriter) return;
    const { worker, done } = this.graphWriter;
    this.graphWriter = null;
    worker.shutdown();
    await done;
  }

  /** Stops the workers and waits until they have shut down (workflow state stays in Temporal). */
  async stopWorker(): Promise<void> {
    await this.stopGraphWriter();
    if (!this.running) return;
    const { worker, done } = this.running;
    this.running = null;
    worker.shutdown();
    await done;
  }

  async teardown(): Promise<void> {
    await this.stopWorker();
    await this.api?.close();
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

  /** A webhook body for `employee` with the next version of that employee (or `version` when given). */
  event(type: HrEventType, employee: EmployeeFields, options: { version?: number; eventId?: string } = {}) {
    const version = options.version ?? (this.versions.get(employee.id) ?? 0) + 1;
    this.versions.set(employee.id, Math.max(version, this.versions.get(employee.id) ?? 0));
    return {
      id: options.eventId ?? `evt_${randomUUID()}`,
      type,
      occurredAt: new Date().toISOString(),
      companyId: defaultCompanyId,
      data: { employee: { ...employee, version } },
    };
  }

  /** POSTs a body to the webhook, signed with the company's secret (or as `sign` says). */
  async post(body: unknown, sign: { secret?: string; timestamp?: number; header?: string | null } = {}) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const header =
      sign.header === undefined ? signAlexisPayload(sign.secret ?? webhookSecret, raw, sign.timestamp) : sign.header;
    if (header !== null) headers['x-alexis-signature'] = header;
    return fetch(`${this.api.url}/webhooks/alexis`, { method: 'POST', headers, body: raw });
  }

  /** Sends an HR change and expects it accepted (202); returns the event body. */
  async hr(type: HrEventType, employee: EmployeeFields, options: { version?: number } = {}) {
    const body = this.event(type, employee, options);
    const res = await this.post(body);
    if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
    this.track(employee.id);
    return body;
  }

  /** Remembers an employee's workflow so that its histories are replayed at teardown. */
  track(employeeId: string): void {
    if (this.tracked.has(employeeId)) return;
    this.tracked.add(employeeId);
    this.kit.track(this.handle(employeeId));
  }

  handle(employeeId: string): WorkflowHandle {
    return this.kit.client.workflow.getHandle(employeeWorkflowId(defaultCompanyId, employeeId));
  }

  /**
   * The employee workflow's `state` query, or null while the workflow does not exist yet or does not answer within a
   * few seconds (a query waits for a workflow task in flight; polling simply asks again).
   */
  async state(employeeId: string): Promise<EmployeeLifecycleState | null> {
    try {
      return await this.kit.client.connection.withDeadline(Date.now() + 5_000, () =>
        this.handle(employeeId).query(stateQuery),
      );
    } catch (err) {
      // A loaded test server may also fail a query it could not answer in time ("Failed to query Workflow"): ask again.
      if (err instanceof WorkflowNotFoundError || isDeadlineExceeded(err) || isFailedQuery(err)) return null;
      throw err;
    }
  }

  /** Polls the `state` query until `predicate` holds; fails with the last state seen after `timeoutMs`. */
  async until(
    employeeId: string,
    predicate: (state: EmployeeLifecycleState) => boolean,
    timeoutMs = 60_000,
  ): Promise<EmployeeLifecycleState> {
    const deadline = Date.now() + timeoutMs;
    let last: EmployeeLifecycleState | null = null;
    for (;;) {
      last = await this.state(employeeId);
      if (last !== null && predicate(last)) return last;
      if (Date.now() > deadline) {
        throw new Error(`state of ${employeeId} never matched; last: ${JSON.stringify(last, null, 2)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits until the workflow has reconciled everything sent so far (its HR version and a settled phase). */
  async settled(employeeId: string, timeoutMs?: number): Promise<EmployeeLifecycleState> {
    const version = this.versions.get(employeeId);
    return this.until(employeeId, (s) => s.reconciledHrVersion === version && s.phase !== 'provisioning', timeoutMs);
  }

  /** Users of the connected tenant as the Entra sandbox holds them. */
  entraUsers(): DumpedUser[] {
    return this.entra.control.state().users[this.entra.tenantId] ?? [];
  }

  /** The Entra user with this userPrincipalName (case-insensitive), or undefined. */
  entraUser(userPrincipalName: string): DumpedUser | undefined {
    const upn = userPrincipalName.toLowerCase();
    return this.entraUsers().find((u) => String(u.props.userPrincipalName).toLowerCase() === upn);
  }

  /** Graph requests the sandbox served (method, path, status), for asserting what was written. */
  graphWrites(): { method: string; path: string; status: number }[] {
    return this.entra.control
      .requests()
      .filter((r) => r.method !== 'GET' && r.path.includes('/v1.0/'))
      .map((r) => ({ method: r.method, path: r.path, status: r.status }));
  }
}

function isFailedQuery(err: unknown): boolean {
  return err instanceof Error && err.name === 'ServiceError' && /Failed to query Workflow/.test(err.message);
}

function isDeadlineExceeded(err: unknown): boolean {
  const code =
    (err as { code?: unknown; cause?: { code?: unknown } } | null)?.code ??
    (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  // gRPC DEADLINE_EXCEEDED
  return code === 4 || (err instanceof Error && /deadline/i.test(err.message));
}
