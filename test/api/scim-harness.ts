import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createApp, type AppDeps } from '../../api/app';
import { createLogger } from '../../api/logger';
import { AccountSignalRelay, type AccountSignalOutbox, type AccountSnapshot } from '../../orchestration/account-events';
import { parseConfig } from '../../domain/config';
import type { CompanyPolicies } from '../../domain/policies';
import { createAccessToken } from '../../store/access-tokens';
import { ensureCompany } from '../../store/companies';
import type { Db } from '../../store/db';
import type { AccountChange, AccountChangedSignal, EntraObjectLinkedSignal } from '../../workflows/account-definitions';
import { serve, type ServedApp } from './serve';
import { CallsInFlight } from '../../orchestration/deadline';

export const scimJson = 'application/scim+json';

/** What the SCIM routes told the workflows, in order. */
export type RecordedEvent =
  | { kind: 'account'; companyId: string; scimUserId: string; change: AccountChange; account: AccountSnapshot }
  | { kind: 'entraObjectLinked'; companyId: string; employeeId: string; signal: EntraObjectLinkedSignal };

/** A SCIM endpoint served over HTTP for one company, with its token and the workflow signals it sent. */
export interface ScimEndpoint {
  url: string;
  companyId: string;
  token: string;
  events: RecordedEvent[];
  /** Every log line the app wrote (JSON text), to assert what was and was not logged. */
  logs: string[];
  /** Sends a request with the company's token (or `token`), JSON body as application/scim+json. */
  call(method: string, path: string, body?: unknown, token?: string | null): Promise<ScimResponse>;
  close(): Promise<void>;
}

export interface ScimResponse {
  status: number;
  contentType: string | null;
  location: string | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field with expect()
  body: any;
}

/** The `value` / `id` / `name` fields of a list in a SCIM body, for compact assertions. */
export function pluck(list: unknown, field: string): unknown[] {
  return ((list ?? []) as Array<Record<string, unknown>>).map((item) => item[field]);
}

/**
 * Records the signals the SCIM writes committed instead of sending them (they stay in the outbox; the workflow itself
 * is tested on the Temporal sandbox).
 */
export function recordingSignals(events: RecordedEvent[]): AccountSignalOutbox {
  return {
    accepted(_outboxId, { companyId, kind, scimUserId, employeeId, payload }) {
      if (kind === 'entraObjectLinked') {
        events.push({
          kind,
          companyId,
          employeeId: employeeId!,
          signal: payload as unknown as EntraObjectLinkedSignal,
        });
        return;
      }
      const { change, at: _at, ...account } = payload as unknown as AccountChangedSignal;
      events.push({ kind: 'account', companyId, scimUserId, change, account });
    },
  };
}

/** A logger that keeps its lines, to assert what was (and was not) logged. */
export function capturingLogger(lines: string[] = []) {
  return createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  });
}

/** Serves the SCIM endpoint for a fresh company on `db`. */
export async function startScimEndpoint(
  db: Db,
  options: {
    policies?: Partial<CompanyPolicies>;
    /** With a Temporal client an account signal relay delivers the signals through it; otherwise they are recorded. */
    temporal?: AppDeps['temporal'];
    /** Switches the admin API on with this password. */
    adminPassword?: string;
  } = {},
): Promise<ScimEndpoint> {
  const companyId = `co_${randomBytes(5).toString('hex')}`;
  await ensureCompany(db, {
    id: companyId,
    name: 'Contoso AB',
    policies: {
      timeZone: 'UTC',
      provisionLeadDays: null,
      disableAccountAtLeave: false,
      revokeSessionsAtLeave: false,
      deleteAfterLeaveDays: null,
      ...options.policies,
    },
  });
  const { token } = await createAccessToken(db, { companyId, name: 'Entra provisioning' });
  const events: RecordedEvent[] = [];
  const logs: string[] = [];
  const deps: AppDeps = {
    db,
    temporal: options.temporal ?? {
      client: {} as AppDeps['temporal']['client'],
      taskQueue: 'test',
      inFlight: new CallsInFlight(),
    },
    config: parseConfig({
      PUBLIC_URL: 'https://joiner.example',
      ...(options.adminPassword === undefined ? {} : { ADMIN_PASSWORD: options.adminPassword }),
    }),
    logger: capturingLogger(logs),
  };
  const relay = options.temporal
    ? new AccountSignalRelay({
        db,
        temporal: options.temporal,
        logger: deps.logger,
        intervalMs: 100,
        maxBackoffMs: 200,
      })
    : undefined;
  relay?.start();
  const app = createApp({ ...deps, accountSignals: relay ?? recordingSignals(events) });
  const served: ServedApp = await serve(app);
  return {
    url: served.url,
    companyId,
    token,
    events,
    logs,
    async close() {
      await served.close();
      await relay?.stop();
    },
    async call(method, path, body, tokenOverride) {
      const headers: Record<string, string> = {};
      const bearer = tokenOverride === undefined ? token : tokenOverride;
      if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
      let payload: string | undefined;
      if (body !== undefined) {
        headers['content-type'] = scimJson;
        payload = typeof body === 'string' ? body : JSON.stringify(body);
      }
      const res = await fetch(`${served.url}/scim/v2${path}`, { method, headers, body: payload });
      const text = await res.text();
      return {
        status: res.status,
        contentType: res.headers.get('content-type'),
        location: res.headers.get('location'),
        body: text === '' ? undefined : JSON.parse(text),
      };
    },
  };
}
