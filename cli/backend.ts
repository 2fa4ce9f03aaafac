/**
 * Where the operator commands (`joiner tokens|employees|resync|status`) get their answers: straight from the database
 * and Temporal when this process may open them, else through a running Joiner's admin API. Embedded PGlite allows
 * one process, so while `joiner start` runs, the CLI goes through its API. Both routes return the same JSON shapes
 * (dates as ISO strings), so each command prints the same whichever was used.
 */
import { Client, Connection } from '@temporalio/client';
import type { JoinerConfig } from '../domain/config';
import { GraphDirectory } from '../entra/graph-directory';
import type { EmployeeViewDeps } from '../orchestration/employee-view';
import type {
  EmployeeDetails as OperationsEmployeeDetails,
  InstallationStatus,
  ResyncStatus,
} from '../orchestration/operations';
import {
  readEmployeeDetails,
  readInstallationStatus,
  readResyncStatus,
  ResyncScope,
  startOperatorResync,
  UnknownCompanyError,
} from '../orchestration/operations';
import { checkTemporal } from '../orchestration/temporal';
import { createAccessToken, listAccessTokens, revokeAccessToken } from '../store/access-tokens';
import { defaultCompanyId, ensureDefaultCompany, getCompany } from '../store/companies';
import { DataDirLockedError } from '../store/data-dir-lock';
import type { Database } from '../store/db';
import { databaseOptionsFromConfig, openDatabase } from '../store/db';
import type { EmployeeListPage, EmployeePhaseFilter } from '../store/employee-read-model';
import { searchEmployees } from '../store/employee-read-model';
import { isForeignKeyViolation } from '../store/pg-errors';
import { CliFailure, CliUsageError } from './errors';

/** A value as it travels as JSON: dates become strings. */
export type Json<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Json<U>[]
    : T extends Map<string, infer V>
      ? Record<string, Json<V>>
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

function asJson<T>(value: T): Json<T> {
  return JSON.parse(JSON.stringify(value)) as Json<T>;
}

export interface AccessTokenRow {
  id: string;
  name: string;
  displayPrefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export type EmployeeList = Json<EmployeeListPage> & { companyId: string };
export type EmployeeDetails = Json<OperationsEmployeeDetails>;

/** Everything the operator commands ask. */
export interface OperatorBackend {
  /** `direct` (database and Temporal from here) or `api` (a running Joiner at `url`). */
  readonly route: 'direct' | 'api';
  readonly url?: string;
  createToken(input: { companyId: string; name: string; description: string | null }): Promise<string>;
  listTokens(companyId: string): Promise<AccessTokenRow[]>;
  revokeToken(companyId: string, id: string): Promise<boolean>;
  listEmployees(
    companyId: string,
    query: { phase?: EmployeePhaseFilter; search?: string; limit: number; after?: string },
  ): Promise<EmployeeList>;
  /** Null when the company has no such employee. */
  showEmployee(companyId: string, employeeId: string): Promise<EmployeeDetails | null>;
  startResync(
    companyId: string,
    scope: ResyncScope,
  ): Promise<{ companyId: string; workflowId: string; started: boolean }>;
  resyncStatus(companyId: string): Promise<Json<ResyncStatus>>;
  status(): Promise<InstallationStatus>;
  close(): Promise<void>;
}

/**
 * Opens the route for this configuration: the admin API of `JOINER_URL` when it is set; else the database, falling
 * back to the admin API at PUBLIC_URL when a running Joiner holds the embedded database.
 * @throws CliUsageError naming what to set when neither route can be used
 */
export async function openOperatorBackend(config: JoinerConfig): Promise<OperatorBackend> {
  if (config.JOINER_URL !== undefined) return new ApiBackend(config, config.JOINER_URL);
  let database: Database;
  try {
    database = await openDatabase(databaseOptionsFromConfig(config));
  } catch (err) {
    if (err instanceof DataDirLockedError) return new ApiBackend(config, config.PUBLIC_URL, err.dataDir);
    throw new CliFailure(`cannot open the database: ${(err as Error).message.split('\n')[0]}`);
  }
  return new DirectBackend(config, database);
}

/** Answers from the database and (when TEMPORAL_ADDRESS is set) Temporal, as this process opened them. */
class DirectBackend implements OperatorBackend {
  readonly route = 'direct';
  private temporal: { connection: Connection; client: Client } | null = null;

  constructor(
    private readonly config: JoinerConfig,
    private readonly database: Database,
  ) {}

  private get db() {
    return this.database.db;
  }

  /** A Temporal client, connected on first use (commands that need none never dial). */
  private temporalClient(purpose: string): Client {
    if (this.temporal !== null) return this.temporal.client;
    if (this.config.TEMPORAL_ADDRESS === undefined) {
      throw new CliUsageError(
        `${purpose} needs Temporal: set TEMPORAL_ADDRESS, or run it while Joiner runs (it then goes through ` +
          'its admin API; set ADMIN_PASSWORD)',
      );
    }
    const connection = Connection.lazy({ address: this.config.TEMPORAL_ADDRESS });
    this.temporal = { connection, client: new Client({ connection, namespace: this.config.TEMPORAL_NAMESPACE }) };
    return this.temporal.client;
  }

  private async requireCompany(companyId: string): Promise<void> {
    if (companyId === defaultCompanyId) await ensureDefaultCompany(this.db);
    else if ((await getCompany(this.db, companyId)) === null)
      throw new CliFailure(`there is no company "${companyId}"`);
  }

  async createToken(input: { companyId: string; name: string; description: string | null }): Promise<string> {
    await this.requireCompany(input.companyId);
    try {
      return (await createAccessToken(this.db, input)).token;
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new CliFailure(`there is no company "${input.companyId}"`);
      throw err;
    }
  }

  async listTokens(companyId: string): Promise<AccessTokenRow[]> {
    return asJson(await listAccessTokens(this.db, companyId));
  }

  revokeToken(companyId: string, id: string): Promise<boolean> {
    return revokeAccessToken(this.db, companyId, id);
  }

  async listEmployees(
    companyId: string,
    query: { phase?: EmployeePhaseFilter; search?: string; limit: number; after?: string },
  ): Promise<EmployeeList> {
    if ((await getCompany(this.db, companyId)) === null) throw new CliFailure(`there is no company "${companyId}"`);
    const page = await searchEmployees(this.db, companyId, {
      phase: query.phase ?? null,
      search: query.search ?? null,
      limit: query.limit,
      after: query.after ?? null,
    });
    return { companyId, ...asJson(page) };
  }

  async showEmployee(companyId: string, employeeId: string): Promise<EmployeeDetails | null> {
    // Without Temporal the view still shows the database's part; the workflow part says why it is missing.
    const client =
      this.config.TEMPORAL_ADDRESS === undefined ? unreachableWorkflowClient : this.temporalClient('').workflow;
    const details = await readEmployeeDetails({ db: this.db, client }, this.config, companyId, employeeId);
    return details === null ? null : asJson(details);
  }

  async startResync(companyId: string, scope: ResyncScope) {
    const client = this.temporalClient('joiner resync').workflow;
    try {
      return await startOperatorResync({ db: this.db, client, taskQueue: this.config.TEMPORAL_TASK_QUEUE }, companyId, {
        scope,
        reason: 'requested with joiner resync',
      });
    } catch (err) {
      if (err instanceof UnknownCompanyError) throw new CliFailure(err.message);
      throw new CliFailure(
        `Temporal at ${this.config.TEMPORAL_ADDRESS} did not start the resync: ${(err as Error).message}`,
      );
    }
  }

  async resyncStatus(companyId: string): Promise<Json<ResyncStatus>> {
    return asJson(await readResyncStatus(this.temporalClient('joiner resync').workflow, companyId));
  }

  async status(): Promise<InstallationStatus> {
    const client = this.config.TEMPORAL_ADDRESS === undefined ? null : this.temporalClient('');
    let directory: GraphDirectory | undefined;
    if (this.config.ENTRA_CLIENT_ID !== undefined && this.config.ENTRA_CLIENT_SECRET !== undefined) {
      directory = new GraphDirectory({
        clientId: this.config.ENTRA_CLIENT_ID,
        clientSecret: this.config.ENTRA_CLIENT_SECRET,
        authorityHost: this.config.ENTRA_AUTHORITY_HOST,
        graphBaseUrl: this.config.GRAPH_BASE_URL,
      });
    }
    try {
      return await readInstallationStatus({
        db: this.db,
        temporal: client === null ? null : () => checkTemporal(client, this.config.TEMPORAL_NAMESPACE),
        namespace: this.config.TEMPORAL_NAMESPACE,
        temporalUnavailableReason: 'TEMPORAL_ADDRESS is not set',
        ...(directory === undefined ? {} : { checkTenant: (tenantId) => directory.checkConnection({ tenantId }) }),
      });
    } finally {
      await directory?.close();
    }
  }

  async close(): Promise<void> {
    await this.temporal?.connection.close();
    await this.database.close();
  }
}

/** Stands in for Temporal when no address is configured: every query reports why there is no answer. */
const unreachableWorkflowClient = {
  withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
  getHandle: () => ({
    query: () => Promise.reject(new Error('TEMPORAL_ADDRESS is not set')),
  }),
} as unknown as EmployeeViewDeps['client'];

/** Answers from a running Joiner's admin API (`/admin/api`, administrator password). */
class ApiBackend implements OperatorBackend {
  readonly route = 'api';
  private readonly authorization: string;

  constructor(
    config: JoinerConfig,
    readonly url: string,
    lockedDataDir?: string,
  ) {
    if (config.ADMIN_PASSWORD === undefined) {
      throw new CliUsageError(
        lockedDataDir !== undefined
          ? `the data directory ${lockedDataDir} is in use by a running Joiner (embedded PGlite allows one process): ` +
              'set ADMIN_PASSWORD to the running Joiner’s so the command goes through its admin API, or stop it first'
          : `set ADMIN_PASSWORD to reach the admin API at ${url} (JOINER_URL)`,
      );
    }
    this.authorization = `Basic ${Buffer.from(`admin:${config.ADMIN_PASSWORD}`).toString('base64')}`;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    let response: Response;
    try {
      response = await fetch(`${this.url}/admin/api${path}`, {
        method,
        headers: {
          authorization: this.authorization,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliFailure(
        `cannot reach Joiner at ${this.url} (${cause?.code ?? cause?.message ?? (err as Error).message}): start it, ` +
          'or set JOINER_URL to where it runs',
      );
    }
    const text = await response.text();
    const parsed: unknown = text === '' ? null : safeJson(text);
    if (response.status === 401) {
      throw new CliUsageError(`Joiner at ${this.url} refused the administrator password: check ADMIN_PASSWORD`);
    }
    if (response.status === 503 && /ADMIN_PASSWORD/.test(text)) {
      throw new CliUsageError(`Joiner at ${this.url} has no ADMIN_PASSWORD set, so its admin API is off`);
    }
    if (response.status >= 400 && response.status !== 404) {
      const message = (parsed as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${response.status}`;
      throw new CliFailure(`Joiner at ${this.url} answered ${response.status}: ${message}`);
    }
    return { status: response.status, body: parsed as T };
  }

  private static notFound(result: { status: number; body: unknown }): string | null {
    if (result.status !== 404) return null;
    return (result.body as { error?: { message?: string } } | null)?.error?.message ?? 'not found';
  }

  async createToken(input: { companyId: string; name: string; description: string | null }): Promise<string> {
    const result = await this.call<{ token: string }>('POST', '/access-tokens', input);
    const missing = ApiBackend.notFound(result);
    if (missing !== null) throw new CliFailure(missing);
    return result.body.token;
  }

  async listTokens(companyId: string): Promise<AccessTokenRow[]> {
    const result = await this.call<{ accessTokens: AccessTokenRow[] }>('GET', `/access-tokens?company=${q(companyId)}`);
    return result.body.accessTokens;
  }

  async revokeToken(companyId: string, id: string): Promise<boolean> {
    const result = await this.call('DELETE', `/access-tokens/${q(id)}?company=${q(companyId)}`);
    return result.status === 204;
  }

  async listEmployees(
    companyId: string,
    query: { phase?: EmployeePhaseFilter; search?: string; limit: number; after?: string },
  ): Promise<EmployeeList> {
    const params = new URLSearchParams({ company: companyId, limit: String(query.limit) });
    if (query.phase !== undefined) params.set('phase', query.phase);
    if (query.search !== undefined) params.set('search', query.search);
    if (query.after !== undefined) params.set('after', query.after);
    const result = await this.call<EmployeeList>('GET', `/employees?${params.toString()}`);
    const missing = ApiBackend.notFound(result);
    if (missing !== null) throw new CliFailure(missing);
    return result.body;
  }

  async showEmployee(companyId: string, employeeId: string): Promise<EmployeeDetails | null> {
    const result = await this.call<EmployeeDetails>('GET', `/employees/${q(employeeId)}?company=${q(companyId)}`);
    return result.status === 404 ? null : result.body;
  }

  async startResync(companyId: string, scope: ResyncScope) {
    const result = await this.call<{ companyId: string; workflowId: string; started: boolean }>(
      'POST',
      `/companies/${q(companyId)}/resync`,
      { scope },
    );
    const missing = ApiBackend.notFound(result);
    if (missing !== null) throw new CliFailure(missing);
    return result.body;
  }

  async resyncStatus(companyId: string): Promise<Json<ResyncStatus>> {
    const result = await this.call<Json<ResyncStatus>>('GET', `/companies/${q(companyId)}/resync`);
    const missing = ApiBackend.notFound(result);
    if (missing !== null) throw new CliFailure(missing);
    return result.body;
  }

  async status(): Promise<InstallationStatus> {
    return (await this.call<InstallationStatus>('GET', '/status')).body;
  }

  async close(): Promise<void> {}
}

function q(value: string): string {
  return encodeURIComponent(value);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text.slice(0, 200) } };
  }
}

export { ResyncScope };
