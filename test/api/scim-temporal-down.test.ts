/** The SCIM write is committed before Temporal is told: a Temporal outage must not fail Entra's request. */
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../api/app';
import { ScimUrn } from '../../domain/scim/constants';
import { CallsInFlight } from '../../orchestration/deadline';
import { describeEachDatabase } from '../helpers/databases';
import { startScimEndpoint, type ScimEndpoint } from './scim-harness';

/** A Temporal client whose server is unreachable, as the SDK reports it. */
function unreachableTemporal(calls: string[]): AppDeps['temporal'] {
  const unavailable = () => {
    const err = new Error('14 UNAVAILABLE: No connection established');
    err.name = 'ServiceError';
    return Promise.reject(err);
  };
  const client = {
    signalWithStart: (type: string, options: { workflowId: string }) => {
      calls.push(`${type} ${options.workflowId}`);
      return unavailable();
    },
    getHandle: (workflowId: string) => ({
      signal: () => {
        calls.push(`signal ${workflowId}`);
        return unavailable();
      },
    }),
    start: unavailable,
    withDeadline: <R>(_deadline: number | Date, fn: () => Promise<R>) => fn(),
  };
  return {
    client: client as unknown as AppDeps['temporal']['client'],
    taskQueue: 'joiner',
    inFlight: new CallsInFlight(),
  };
}

describeEachDatabase('SCIM while Temporal is down', (getDb) => {
  let scim: ScimEndpoint;
  const calls: string[] = [];
  beforeAll(async () => {
    // No injected events: the router builds the real signaller over this client.
    scim = await startScimEndpoint(getDb(), { temporal: unreachableTemporal(calls) });
  });
  afterAll(() => scim.close());

  it('creates, patches and deletes users, tried signalling each change, and Entra reads its own writes', async () => {
    const created = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `down_${randomUUID()}` });
    expect(created.status).toBe(201);
    const patched = await scim.call('PATCH', `/Users/${created.body.id}`, {
      schemas: [ScimUrn.PatchOp],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(patched.status).toBe(200);
    expect((await scim.call('GET', `/Users/${created.body.id}`)).body.active).toBe(false);
    expect((await scim.call('DELETE', `/Users/${created.body.id}`)).status).toBe(204);
    const workflowId = `account/${scim.companyId}/${created.body.id}`;
    expect(calls).toEqual([0, 1, 2].map(() => `accountLifecycleWorkflow ${workflowId}`));
  });
});
