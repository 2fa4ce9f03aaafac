/**
 * Load shedding over real HTTP: with MAX_IN_FLIGHT_REQUESTS requests held busy on a route group, the next one is
 * answered 503 with Retry-After at once and writes nothing; every request that got a 2xx is stored; the health
 * endpoints and the other route group keep answering.
 */
import { and, eq } from 'drizzle-orm';
import type { WorkflowClient } from '@temporalio/client';
import { createApp, defaultRouters, type AppDeps } from '../../api/app';
import { signAlexisPayload } from '../../api/hr-webhook/signature';
import { hrEventGroupCommit } from '../../api/hr-webhook/accept-event';
import { hrWebhookRouter } from '../../api/hr-webhook/router';
import { scimRouter } from '../../api/scim/router';
import { parseConfig } from '../../domain/config';
import { ScimUrn } from '../../domain/scim/constants';
import { httpRequestsShedTotal } from '../../observability/metrics';
import { CallsInFlight } from '../../orchestration/deadline';
import { createAccessToken } from '../../store/access-tokens';
import type { Db } from '../../store/db';
import { ensureDefaultCompany } from '../../store/companies';
import { employees, scimUsers, webhookEvents } from '../../store/schema';
import { describeEachDatabase } from '../helpers/databases';
import { capturingLogger, scimJson } from './scim-harness';
import { serve, type ServedApp } from './serve';

const secret = 'whsec_shedding';
const limit = 3;

/** A gate that holds every caller until it is opened, and counts who is waiting. */
class Gate {
  waiting = 0;
  private opened = false;
  private readonly waiters: Array<() => void> = [];
  pass(): Promise<void> {
    if (this.opened) return Promise.resolve();
    this.waiting += 1;
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  open(): void {
    this.opened = true;
    for (const resolve of this.waiters.splice(0)) resolve();
  }
  async untilWaiting(n: number): Promise<void> {
    while (this.waiting < n) await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The database as a route group sees it when it is the bottleneck: each transaction (a group commit of webhooks)
 * waits for the gate, holding the slots of its requests.
 */
function slowDatabase(db: Db, gate: Gate): Db {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'transaction') {
        return (...args: Parameters<Db['transaction']>) => gate.pass().then(() => target.transaction(...args));
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

/** A statement as drizzle's session prepares and runs it (the part of it this file holds back). */
interface SessionQuery {
  execute(...args: unknown[]): Promise<unknown>;
}
interface Session {
  prepareQuery(query: { sql: string }, ...rest: unknown[]): SessionQuery;
}

/**
 * The same for SCIM user writes, which are one statement each rather than a transaction: every statement that
 * inserts a SCIM user waits for the gate. Held below the query builder, in drizzle's session, where each statement
 * of this database is prepared; reads (the token check, the employee look-up) pass.
 */
function slowScimUserWrites(db: Db, gate: Gate): Db {
  const writesUsers = (sql: string) => sql.includes('insert into "scim_users"');
  return new Proxy(db, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property !== 'session') return value;
      const session = value as Session;
      return new Proxy(session, {
        get(sessionTarget, sessionProperty, sessionReceiver) {
          if (sessionProperty !== 'prepareQuery') {
            return Reflect.get(sessionTarget, sessionProperty, sessionReceiver) as unknown;
          }
          return (query: { sql: string }, ...rest: unknown[]): SessionQuery => {
            const prepared = sessionTarget.prepareQuery(query, ...rest);
            if (!writesUsers(query.sql)) return prepared;
            return new Proxy(prepared, {
              get(queryTarget, queryProperty, queryReceiver) {
                const member = Reflect.get(queryTarget, queryProperty, queryReceiver) as unknown;
                if (queryProperty !== 'execute') return member;
                return (...args: unknown[]) => gate.pass().then(() => queryTarget.execute(...args));
              },
            });
          };
        },
      });
    },
  });
}

async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 10));
}

function event(eventId: string, employeeId: string) {
  return {
    id: eventId,
    type: 'employee.created',
    occurredAt: '2026-03-01T09:00:00Z',
    companyId: 'default',
    data: {
      employee: {
        id: employeeId,
        version: 1,
        firstName: 'Shed',
        lastName: employeeId,
        workEmail: `${employeeId}@contoso.com`,
        hireDate: '2026-04-01',
      },
    },
  };
}

const shedCount = async (route: string) =>
  (await httpRequestsShedTotal.get()).values.find((v) => v.labels.route === route)?.value ?? 0;

describeEachDatabase('load shedding', (getDb) => {
  let app: ServedApp;
  let token: string;
  const databaseGate = new Gate();
  /** Webhooks that reached the database (whose commit is held at the gate). */
  let committing = 0;
  const scimGate = new Gate();

  beforeAll(async () => {
    await ensureDefaultCompany(getDb());
    ({ token } = await createAccessToken(getDb(), { companyId: 'default', name: 'Entra provisioning' }));
    const client = {
      signalWithStart: () => Promise.resolve({}),
      withDeadline: <R>(_deadline: number | Date, fn: () => Promise<R>) => fn(),
    } as unknown as AppDeps['temporal']['client'] & Pick<WorkflowClient, 'signalWithStart'>;
    const deps: AppDeps = {
      db: getDb(),
      temporal: { client, taskQueue: 'test', inFlight: new CallsInFlight() },
      config: parseConfig({ WEBHOOK_SECRET: secret, MAX_IN_FLIGHT_REQUESTS: String(limit) }),
      logger: capturingLogger(),
    };
    app = await serve(
      createApp(deps, {
        ...defaultRouters,
        hrWebhook: () => {
          const db = slowDatabase(getDb(), databaseGate);
          const commit = hrEventGroupCommit(db);
          // Counted as they reach the database: several may share one held transaction.
          return hrWebhookRouter({
            ...deps,
            db,
            commit: (event) => {
              committing += 1;
              return commit(event);
            },
          });
        },
        scim: (d) => scimRouter({ ...d, db: slowScimUserWrites(getDb(), scimGate) }),
      }),
    );
  });
  afterAll(async () => {
    databaseGate.open();
    scimGate.open();
    await app.close();
  });

  const postEvent = (body: unknown) => {
    const raw = JSON.stringify(body);
    return fetch(`${app.url}/webhooks/alexis`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-alexis-signature': signAlexisPayload(secret, raw) },
      body: raw,
    });
  };
  const createScimUser = (userName: string) =>
    fetch(`${app.url}/scim/v2/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': scimJson },
      body: JSON.stringify({ schemas: [ScimUrn.User], userName }),
    });
  const storedEvent = (eventId: string) =>
    getDb()
      .select({ id: webhookEvents.id })
      .from(webhookEvents)
      .where(and(eq(webhookEvents.companyId, 'default'), eq(webhookEvents.eventId, eventId)));
  const storedEmployee = (employeeId: string) =>
    getDb()
      .select({ id: employees.id })
      .from(employees)
      .where(and(eq(employees.companyId, 'default'), eq(employees.id, employeeId)));
  const storedScimUser = (userName: string) =>
    getDb().select({ id: scimUsers.id }).from(scimUsers).where(eq(scimUsers.userName, userName));

  it('sheds webhooks and SCIM requests past the limit with 503 + Retry-After, writes nothing for them, and stores every 2xx', async () => {
    const shedBefore = { hr: await shedCount('hr_webhook'), scim: await shedCount('scim') };
    const held = Array.from({ length: limit }, (_, i) => event(`evt_held_${i}`, `emp_held_${i}`));
    const heldResponses = held.map((body) => postEvent(body));
    await until(() => committing === limit && databaseGate.waiting > 0);

    const shed = event('evt_shed', 'emp_shed');
    const refused = await postEvent(shed);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({
      error: { status: 503, message: 'too many requests in flight; retry later' },
    });
    expect(await storedEvent('evt_shed')).toEqual([]);
    expect(await storedEmployee('emp_shed')).toEqual([]);

    // The SCIM routes have their own budget: still open while the webhooks are full, then full themselves.
    const heldUsers = Array.from({ length: limit }, (_, i) => `held_${i}@contoso.com`);
    const heldUserResponses = heldUsers.map((userName) => createScimUser(userName));
    await scimGate.untilWaiting(limit);
    const refusedUser = await createScimUser('shed@contoso.com');
    expect(refusedUser.status).toBe(503);
    expect(refusedUser.headers.get('retry-after')).toBe('1');
    expect(refusedUser.headers.get('content-type')).toContain(scimJson);
    expect(await refusedUser.json()).toMatchObject({ schemas: [ScimUrn.Error], status: '503' });
    expect(await storedScimUser('shed@contoso.com')).toEqual([]);

    // Probes and metrics are never shed.
    for (const probe of ['/healthz', '/readyz', '/metrics']) {
      expect((await fetch(`${app.url}${probe}`)).status).toBe(200);
    }
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain('joiner_http_requests_shed_total{route="hr_webhook"}');
    expect(await shedCount('hr_webhook')).toBe(shedBefore.hr + 1);
    expect(await shedCount('scim')).toBe(shedBefore.scim + 1);

    databaseGate.open();
    scimGate.open();
    for (const res of await Promise.all(heldResponses)) expect(res.status).toBe(202);
    for (const res of await Promise.all(heldUserResponses)) expect(res.status).toBe(201);
    for (const body of held) {
      expect(await storedEvent(body.id)).toHaveLength(1);
      expect(await storedEmployee(body.data.employee.id)).toHaveLength(1);
    }
    for (const userName of heldUsers) expect(await storedScimUser(userName)).toHaveLength(1);

    // The shed client retries once the burst is over, and is served.
    expect((await postEvent(shed)).status).toBe(202);
    expect(await storedEvent('evt_shed')).toHaveLength(1);
  });
});
