/**
 * `POST /webhooks/alexis` at the edge: strings PostgreSQL cannot store are refused with a 400 naming the field, in
 * every field of the event; every webhook that is not applied leaves exactly one warn line with its reason and ids,
 * and no line carries the signature, the body or a value from it.
 */
import { and, eq } from 'drizzle-orm';
import type { WorkflowClient } from '@temporalio/client';
import { createApp, type AppDeps } from '../../api/app';
import { signAlexisPayload } from '../../api/hr-webhook/signature';
import { parseConfig } from '../../domain/config';
import { HrEmployee, HrHomeAddress } from '../../domain/hr-employee';
import { ensureDefaultCompany } from '../../store/companies';
import { employees, webhookEvents } from '../../store/schema';
import { describeEachDatabase } from '../helpers/databases';
import { capturingLogger } from './scim-harness';
import { serve, type ServedApp } from './serve';
import { CallsInFlight } from '../../orchestration/deadline';
import { HrOutboxRelay } from '../../orchestration/hr-outbox-relay';

const secret = 'whsec_input_tests';

/** An event with every field the schema knows filled in, each with a value found nowhere else in it. */
function fullEvent(eventId: string) {
  return {
    id: eventId,
    type: 'employee.updated',
    occurredAt: '2026-03-01T09:00:00Z',
    companyId: 'default',
    data: {
      employee: {
        id: 'emp_input',
        version: 3,
        firstName: 'Ada',
        lastName: 'Lovelace',
        workEmail: 'ada.lovelace@contoso.com',
        title: 'Analyst',
        department: 'Engines',
        organization: 'Difference',
        office: 'Marylebone',
        workPhone: '+44 20 7946 0000',
        reportsTo: 'emp_babbage',
        homeAddress: { street: '12 St James Square', zipCode: 'SW1Y 4JH', city: 'London', country: 'GB' },
        hireDate: '2026-04-01',
        offboardedDate: '2027-04-01',
      },
    },
  };
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The path (`data.employee.homeAddress.city`) of every string in a JSON value. */
function stringPaths(value: Json, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => stringPaths(child, prefix === '' ? key : `${prefix}.${key}`));
}

function withValueAt(event: Json, path: string, replace: (old: string) => string): Json {
  const copy = structuredClone(event) as Record<string, Json>;
  const keys = path.split('.');
  let node = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, Json>;
  const last = keys.at(-1)!;
  node[last] = replace(node[last] as string);
  return copy;
}

const hostile = [
  ['NUL', (v: string) => `${v.slice(0, 1)}\u0000${v.slice(1)}`],
  ['a lone high surrogate', (v: string) => `${v}\uD83D`],
  ['a lone low surrogate', (v: string) => `\uDE00${v}`],
] as const;

describeEachDatabase('the HR webhook at the edge', (getDb) => {
  let app: ServedApp;
  let relay: HrOutboxRelay;
  const lines: string[] = [];
  const signals: unknown[] = [];

  beforeAll(async () => {
    await ensureDefaultCompany(getDb());
    // Nothing in this file should reach Temporal except the one accepted event of the replay case.
    const client = {
      signalWithStart: (_type: string, options: unknown) => {
        signals.push(options);
        return Promise.resolve({});
      },
      withDeadline: <R>(_deadline: number | Date, fn: () => Promise<R>) => fn(),
    } as unknown as AppDeps['temporal']['client'] & Pick<WorkflowClient, 'signalWithStart'>;
    const temporal = { client, taskQueue: 'test', inFlight: new CallsInFlight() };
    const logger = capturingLogger(lines);
    relay = new HrOutboxRelay({ db: getDb(), temporal, logger });
    app = await serve(
      createApp({ db: getDb(), temporal, config: parseConfig({ WEBHOOK_SECRET: secret }), logger, outbox: relay }),
    );
    relay.start();
  });
  afterAll(async () => {
    await app.close();
    await relay.stop();
  });
  beforeEach(() => {
    lines.length = 0;
  });

  const post = (raw: string, signature: string | null = signAlexisPayload(secret, raw)) =>
    fetch(`${app.url}/webhooks/alexis`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature === null ? {} : { 'x-alexis-signature': signature }),
      },
      body: raw,
    });

  /** The lines logged above debug, parsed. */
  const loud = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => (l.level as number) > 20);

  it('covers every field of the event schema', () => {
    const employee = fullEvent('evt').data.employee;
    expect(Object.keys(employee).sort()).toEqual(Object.keys(HrEmployee.shape).sort());
    expect(Object.keys(employee.homeAddress).sort()).toEqual(Object.keys(HrHomeAddress.shape).sort());
  });

  const cases = stringPaths(fullEvent('evt_x') as Json).flatMap((path) =>
    hostile.map(([kind, replace]) => [path, kind, replace] as const),
  );

  it.each(cases)(
    'refuses %s with %s: 400 naming the field, nothing stored, one warn line',
    async (path, kind, replace) => {
      const eventId = `evt_${path.replaceAll('.', '_')}_${kind.replaceAll(' ', '_')}`;
      const raw = JSON.stringify(withValueAt(fullEvent(eventId), path, replace));
      const signature = signAlexisPayload(secret, raw);
      const res = await post(raw, signature);
      const text = await res.text();
      // A company id the body names wrongly has no secret to check the signature with: refused before validation.
      if (path === 'companyId') {
        expect(res.status).toBe(401);
      } else {
        expect(res.status).toBe(400);
        const { error } = JSON.parse(text) as { error: { details: string[] } };
        expect(error.details).toEqual([expect.stringMatching(new RegExp(`^${path.replaceAll('.', '\\.')}: `))]);
      }
      const stored = await getDb()
        .select({ id: webhookEvents.id })
        .from(webhookEvents)
        .where(and(eq(webhookEvents.companyId, 'default'), eq(webhookEvents.eventId, eventId)));
      expect(stored).toEqual([]);
      expect(await getDb().select({ id: employees.id }).from(employees)).toEqual([]);

      const logged = loud();
      expect(logged).toEqual([
        expect.objectContaining({
          level: 40,
          reason: path === 'companyId' ? 'unknownSecret' : 'invalidBody',
          ...(path === 'id' ? {} : { eventId }),
        }),
      ]);
      const all = lines.join('\n');
      for (const leak of ['Lovelace', 'contoso', 'Marylebone', 'London', signature.slice(-64), '\\u0000', '\\ud83d']) {
        expect(all).not.toContain(leak);
      }
      expect(signals).toEqual([]);
    },
  );

  it.each([
    ['no signature', null, 'signatureMissing'],
    ['a malformed signature', 'sha256=abc', 'signatureMalformed'],
    ['another secret', 'other', 'signatureMismatch'],
    ['a timestamp six minutes old', 'stale', 'signatureExpired'],
  ])('logs a webhook with %s once at warn with its reason and ids', async (_case, how, reason) => {
    const raw = JSON.stringify(fullEvent('evt_forged'));
    const signature =
      how === null || how.startsWith('sha256')
        ? how
        : how === 'other'
          ? signAlexisPayload('not-the-secret', raw)
          : signAlexisPayload(secret, raw, Math.floor(Date.now() / 1000) - 360);
    expect((await post(raw, signature)).status).toBe(401);
    expect(loud()).toEqual([
      expect.objectContaining({ level: 40, reason, status: 401, companyId: 'default', eventId: 'evt_forged' }),
    ]);
    const all = lines.join('\n');
    expect(all).not.toContain('Lovelace');
    const hex = signature?.split('v1=')[1];
    if (hex !== undefined) expect(all).not.toContain(hex);
  });

  it('logs a signed body that is not JSON, and a company without a secret', async () => {
    expect((await post('{"id": ')).status).toBe(400);
    const raw = JSON.stringify({ ...fullEvent('evt_elsewhere'), companyId: 'unknown-co' });
    expect((await post(raw)).status).toBe(401);
    expect(loud()).toEqual([
      expect.objectContaining({ level: 40, reason: 'invalidJson', status: 400 }),
      expect.objectContaining({
        level: 40,
        reason: 'unknownSecret',
        status: 401,
        companyId: 'unknown-co',
        eventId: 'evt_elsewhere',
      }),
    ]);
  });

  it('logs a replayed event once at warn, and does not apply it again', async () => {
    const raw = JSON.stringify(fullEvent('evt_replayed'));
    const signature = signAlexisPayload(secret, raw);
    expect((await post(raw, signature)).status).toBe(202);
    expect(loud()).toEqual([]);
    // The relay hands the accepted event to Temporal after the 202.
    while (signals.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(signals).toHaveLength(1);
    const replay = await post(raw, signature);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ status: 'duplicate', eventId: 'evt_replayed' });
    expect(loud().filter((l) => l.level === 40)).toEqual([
      expect.objectContaining({
        level: 40,
        reason: 'duplicate',
        status: 200,
        companyId: 'default',
        eventId: 'evt_replayed',
      }),
    ]);
    expect(lines.join('\n')).not.toContain('Lovelace');
  });
});
