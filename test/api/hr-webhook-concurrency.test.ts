/**
 * Concurrent HR webhooks over real HTTP, on PGlite and PostgreSQL (they share transactions by group commit): each
 * one is answered as it would be alone, a 202 is stored by the time it is answered, the same event sent twice at
 * once is accepted once, the newest of two versions sent at once is the one stored, and each accepted event is handed
 * to Temporal once.
 */
import { and, eq } from 'drizzle-orm';
import type { WorkflowClient } from '@temporalio/client';
import { createApp, type AppDeps } from '../../api/app';
import { signAlexisPayload } from '../../api/hr-webhook/signature';
import { parseConfig } from '../../domain/config';
import { CallsInFlight } from '../../orchestration/deadline';
import { HrOutboxRelay } from '../../orchestration/hr-outbox-relay';
import { ensureDefaultCompany } from '../../store/companies';
import { getEmployee } from '../../store/employees';
import { webhookEvents } from '../../store/schema';
import { describeEachDatabase } from '../helpers/databases';
import { capturingLogger } from './scim-harness';
import { serve, type ServedApp } from './serve';

const secret = 'whsec_concurrency';

function event(eventId: string, employeeId: string, version: number) {
  return {
    id: eventId,
    type: 'employee.updated',
    occurredAt: '2026-03-01T09:00:00Z',
    companyId: 'default',
    data: {
      employee: {
        id: employeeId,
        version,
        firstName: 'Con',
        lastName: `Current v${version}`,
        workEmail: `${employeeId}@contoso.com`,
      },
    },
  };
}

describeEachDatabase('concurrent HR webhooks', (getDb) => {
  let app: ServedApp;
  let relay: HrOutboxRelay;
  const signalled: string[] = [];

  beforeAll(async () => {
    await ensureDefaultCompany(getDb());
    const client = {
      signalWithStart: (_type: string, options: { signalArgs: [{ eventId: string }] }) => {
        signalled.push(options.signalArgs[0].eventId);
        return Promise.resolve({});
      },
      withDeadline: <R>(_deadline: number | Date, fn: () => Promise<R>) => fn(),
    } as unknown as AppDeps['temporal']['client'] & Pick<WorkflowClient, 'signalWithStart'>;
    const temporal = { client, taskQueue: 'test', inFlight: new CallsInFlight() };
    const logger = capturingLogger();
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

  const stored = async (eventId: string) =>
    (
      await getDb()
        .select({ outcome: webhookEvents.outcome })
        .from(webhookEvents)
        .where(and(eq(webhookEvents.companyId, 'default'), eq(webhookEvents.eventId, eventId)))
    )[0]?.outcome;

  /** Posts an event and, as soon as it is answered, reads what the database holds of it. */
  async function post(body: ReturnType<typeof event>) {
    const raw = JSON.stringify(body);
    const res = await fetch(`${app.url}/webhooks/alexis`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-alexis-signature': signAlexisPayload(secret, raw) },
      body: raw,
    });
    return {
      eventId: body.id,
      status: res.status,
      body: (await res.json()) as { status: string },
      stored: await stored(body.id),
    };
  }

  it('answers 60 webhooks sent at once each as it would be answered alone', async () => {
    const news = Array.from({ length: 50 }, (_, i) => event(`evt_new_${i}`, `emp_c${i}`, 1));
    const twice = event('evt_twice', 'emp_twice', 1);
    const versions = [event('evt_v2', 'emp_versions', 2), event('evt_v5', 'emp_versions', 5)];
    const sent = [
      ...news,
      twice,
      twice,
      ...versions,
      ...Array.from({ length: 6 }, (_, i) => event(`evt_more_${i}`, `emp_m${i}`, 1)),
    ];

    const answers = await Promise.all(sent.map((body) => post(body)));

    for (const answer of answers.filter((a) => a.eventId.startsWith('evt_new_') || a.eventId.startsWith('evt_more_'))) {
      // Stored by the time it was answered: a 202 means committed.
      expect(answer).toMatchObject({ status: 202, body: { status: 'accepted' }, stored: 'accepted' });
    }
    const twiceAnswers = answers.filter((a) => a.eventId === 'evt_twice').map((a) => `${a.status} ${a.body.status}`);
    expect(twiceAnswers.sort()).toEqual(['200 duplicate', '202 accepted']);
    // Sent at once, the two versions may be applied in either order; the newest is what is stored in the end.
    expect((await getEmployee(getDb(), 'default', 'emp_versions'))?.version).toBe(5);
    expect(answers.find((a) => a.eventId === 'evt_v5')).toMatchObject({ status: 202, stored: 'accepted' });

    const accepted = answers.filter((a) => a.status === 202).map((a) => a.eventId);
    while (accepted.some((id) => !signalled.includes(id))) await new Promise((resolve) => setTimeout(resolve, 10));
    // Each once; a duplicate or a stale version also hands the unreconciled employee's snapshot again (by design), so
    // evt_twice and evt_v5 may be handed twice.
    for (const eventId of accepted.filter((id) => id.startsWith('evt_new_') || id.startsWith('evt_more_'))) {
      expect(signalled.filter((id) => id === eventId)).toHaveLength(1);
    }
  });
});
