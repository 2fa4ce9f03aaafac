/**
 * The SCIM write is committed with the signals it owes the workflows, and answered, before Temporal is told: a
 * Temporal outage neither fails nor slows Entra's requests, and once Temporal answers again the account workflow gets
 * every change, in order, the delete included.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../../api/app';
import { ScimUrn } from '../../domain/scim/constants';
import { CallsInFlight } from '../../orchestration/deadline';
import { accountSignals } from '../../store/schema';
import type { AccountChangedSignal } from '../../workflows/account-definitions';
import { describeEachDatabase } from '../helpers/databases';
import { startScimEndpoint, type ScimEndpoint } from './scim-harness';

/** A Temporal client whose server is unreachable (as the SDK reports it) while `down`, and records what it took. */
function switchableTemporal() {
  const state = { down: true, attempts: 0 };
  const delivered: { workflowId: string; signal: AccountChangedSignal }[] = [];
  const unavailable = () => {
    const err = new Error('14 UNAVAILABLE: No connection established');
    err.name = 'ServiceError';
    return Promise.reject(err);
  };
  const client = {
    signalWithStart: (_type: string, options: { workflowId: string; signalArgs: [AccountChangedSignal] }) => {
      state.attempts++;
      if (state.down) return unavailable();
      delivered.push({ workflowId: options.workflowId, signal: options.signalArgs[0] });
      return Promise.resolve({});
    },
    getHandle: () => ({ signal: unavailable }),
    start: unavailable,
    withDeadline: <R>(_deadline: number | Date, fn: () => Promise<R>) => fn(),
  };
  const temporal: AppDeps['temporal'] = {
    client: client as unknown as AppDeps['temporal']['client'],
    taskQueue: 'joiner',
    inFlight: new CallsInFlight(),
  };
  return { temporal, state, delivered };
}

async function until(predicate: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await predicate())) await new Promise((resolve) => setTimeout(resolve, 20));
}

describeEachDatabase('SCIM while Temporal is down', (getDb) => {
  let scim: ScimEndpoint;
  const { temporal, state, delivered } = switchableTemporal();
  beforeAll(async () => {
    // The endpoint's account signal relay delivers through this client (polling every 100 ms).
    scim = await startScimEndpoint(getDb(), { temporal });
  });
  afterAll(() => scim.close());
  const outbox = () =>
    getDb()
      .select({ attempts: accountSignals.deliveryAttempts, error: accountSignals.lastDeliveryError })
      .from(accountSignals)
      .where(eq(accountSignals.companyId, scim.companyId))
      .orderBy(accountSignals.id);

  it('creates, patches and deletes users, and the workflow gets every change once Temporal is back', async () => {
    const created = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `down_${randomUUID()}` });
    expect(created.status).toBe(201);
    const patched = await scim.call('PATCH', `/Users/${created.body.id}`, {
      schemas: [ScimUrn.PatchOp],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(patched.status).toBe(200);
    expect((await scim.call('GET', `/Users/${created.body.id}`)).body.active).toBe(false);
    expect((await scim.call('DELETE', `/Users/${created.body.id}`)).status).toBe(204);

    // All kept in the outbox; the oldest, tried again at each poll, with the reason (the others wait behind it).
    await until(async () => ((await outbox())[0]?.attempts ?? 0) >= 2);
    expect(await outbox()).toHaveLength(3);
    expect((await outbox())[0]!.error).toContain('UNAVAILABLE');
    expect(delivered).toEqual([]);

    state.down = false;
    await until(async () => (await outbox()).length === 0);
    const workflowId = `account/${scim.companyId}/${created.body.id}`;
    expect(delivered.map((d) => [d.workflowId, d.signal.change, d.signal.version])).toEqual([
      [workflowId, 'created', 1],
      [workflowId, 'deactivated', 2],
      [workflowId, 'deleted', 3],
    ]);
    expect(scim.logs.join('')).not.toContain(created.body.userName);
  });
});
