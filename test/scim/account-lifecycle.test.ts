/**
 * The account lifecycle workflow on the Temporal test environment (time skipping), with its activities over a real
 * database, and the SCIM endpoint signalling it through a real Temporal client.
 */
import { randomUUID } from 'node:crypto';
import { createAccountActivities } from '../../activities/account-activities';
import { ScimUrn } from '../../domain/scim/constants';
import { getScimUser } from '../../store/scim-users';
import { scimUsers } from '../../store/schema';
import { eq } from 'drizzle-orm';
import {
  accountChangedSignal,
  accountStateQuery,
  accountTimelineQuery,
  accountWorkflowId,
  type AccountChangedSignal,
} from '../../workflows/account-definitions';
import { accountLifecycleWorkflow } from '../../workflows/account-lifecycle';
import { startScimEndpoint, type ScimEndpoint } from '../api/scim-harness';
import { createTestDatabase, type TestDatabase } from '../helpers/databases';
import { TemporalTestKit } from '../helpers/temporal';
import { CallsInFlight } from '../../orchestration/deadline';

const kit = new TemporalTestKit({ workflowsPath: require.resolve('../../workflows/account-lifecycle') });
let database: TestDatabase;

beforeAll(async () => {
  [database] = await Promise.all([createTestDatabase('pglite'), kit.setup()]);
}, 120_000);
afterAll(async () => {
  await kit.teardown();
  await database?.close();
}, 60_000);

const day = 24 * 60 * 60 * 1000;

function change(
  partial: Partial<AccountChangedSignal> & Pick<AccountChangedSignal, 'change' | 'version'>,
): AccountChangedSignal {
  return {
    at: new Date().toISOString(),
    userName: 'ada@contoso.com',
    active: true,
    externalId: null,
    employeeId: null,
    ...partial,
  };
}

async function startAccount(companyId: string, scimUserId: string, first: AccountChangedSignal, historyLimit?: number) {
  return kit.track(
    await kit.client.workflow.signalWithStart(accountLifecycleWorkflow, {
      taskQueue: kit.taskQueue,
      workflowId: accountWorkflowId(companyId, scimUserId),
      args: [{ companyId, scimUserId, ...(historyLimit === undefined ? {} : { historyLimit }) }],
      signal: accountChangedSignal,
      signalArgs: [first],
    }),
  );
}

describe('accountLifecycleWorkflow', () => {
  it('records creation, deactivation, re-activation and the employee link in its timeline', async () => {
    await kit.withWorker({ activities: createAccountActivities(database.db) }, async () => {
      const handle = await startAccount('co', randomUUID(), change({ change: 'created', version: 1 }));
      await handle.signal(accountChangedSignal, change({ change: 'deactivated', version: 2, active: false }));
      await handle.signal(accountChangedSignal, change({ change: 'reactivated', version: 3, employeeId: 'emp_1' }));
      // A late duplicate of an older write changes nothing.
      await handle.signal(accountChangedSignal, change({ change: 'deactivated', version: 2, active: false }));
      const state = await handle.query(accountStateQuery);
      expect(state).toMatchObject({ active: true, employeeId: 'emp_1', deleted: false, lastVersion: 3 });
      expect((await handle.query(accountTimelineQuery)).map((e) => e.event)).toEqual([
        'created',
        'deactivated',
        'reactivated',
        'linked',
      ]);
      await handle.terminate('test done');
    });
  });

  it('ends at once after a delete when the company keeps no deleted data', async () => {
    await kit.withWorker({ activities: createAccountActivities(database.db) }, async () => {
      const handle = await startAccount('co', randomUUID(), change({ change: 'created', version: 1 }));
      await handle.signal(
        accountChangedSignal,
        change({ change: 'deleted', version: 2, active: false, retentionDays: null }),
      );
      const result = await handle.result();
      expect(result).toMatchObject({ deleted: true, purged: true, purgeAt: null });
      expect(result.timeline.map((e) => e.event)).toEqual(['created', 'deleted']);
    });
  });

  it("removes a deleted account's data after the retention period on a durable timer", async () => {
    const scim = await startScimEndpoint(database.db, { policies: { scimDeletedUserRetentionDays: 30 } });
    try {
      const created = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `kept_${randomUUID()}` });
      expect((await scim.call('DELETE', `/Users/${created.body.id}`)).status).toBe(204);
      // Gone for SCIM at once, but its row waits for the timer.
      expect(await getScimUser(database.db, scim.companyId, created.body.id)).toBeNull();
      const rows = () => database.db.select().from(scimUsers).where(eq(scimUsers.id, created.body.id));
      expect(await rows()).toHaveLength(1);

      await kit.withWorker({ activities: createAccountActivities(database.db) }, async () => {
        const handle = await startAccount(scim.companyId, created.body.id, change({ change: 'created', version: 1 }));
        // The workflow counts the retention from this time on its own clock (the test server's, years ahead of ours
        // after the tests above): a wall-clock time would be long past for it, and it would purge at once.
        const deletedAt = await kit.now();
        await handle.signal(
          accountChangedSignal,
          change({ change: 'deleted', version: 3, active: false, retentionDays: 30, at: deletedAt.toISOString() }),
        );
        const pending = await handle.query(accountStateQuery);
        expect(pending.purgeAt).toBe(new Date(deletedAt.getTime() + 30 * day).toISOString());
        expect(await rows()).toHaveLength(1);
        const result = await handle.result();
        expect(result).toMatchObject({ deleted: true, purged: true });
        expect(result.timeline.map((e) => e.event)).toEqual(['created', 'deleted', 'purge-scheduled', 'purged']);
      });
      expect(await rows()).toHaveLength(0);
    } finally {
      await scim.close();
    }
  });

  it('continues as new before its history grows large and keeps its timeline', async () => {
    await kit.withWorker({ activities: createAccountActivities(database.db) }, async () => {
      const handle = await startAccount('co', randomUUID(), change({ change: 'created', version: 1 }), 10);
      for (let v = 2; v <= 12; v++) {
        await handle.signal(accountChangedSignal, change({ change: 'updated', version: v, userName: `name-${v}` }));
      }
      const state = await handle.query(accountStateQuery);
      expect(state.lastVersion).toBe(12);
      expect(state.userName).toBe('name-12');
      expect(state.timeline).toHaveLength(12);
      const description = await handle.describe();
      expect(description.runId).not.toBe(handle.signaledRunId);
      await handle.terminate('test done');
    });
  });
});

describe('the SCIM endpoint with a real Temporal client', () => {
  let scim: ScimEndpoint;
  const inFlight = new CallsInFlight();
  beforeAll(async () => {
    scim = await startScimEndpoint(database.db, {
      temporal: { client: kit.client.workflow, taskQueue: kit.taskQueue, inFlight },
    });
  });
  // Before the kit closes the client's connection: signals the SCIM endpoint stopped waiting for.
  afterAll(async () => {
    await scim.close();
    await inFlight.settled();
  });

  it('starts the account workflow on create and signals it on every change', async () => {
    await kit.withWorker({ activities: createAccountActivities(database.db) }, async () => {
      const created = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `wf_${randomUUID()}` });
      await scim.call('PATCH', `/Users/${created.body.id}`, {
        schemas: [ScimUrn.PatchOp],
        Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
      });
      await scim.call('PATCH', `/Users/${created.body.id}`, {
        schemas: [ScimUrn.PatchOp],
        Operations: [{ op: 'Replace', path: 'title', value: 'Engineer' }],
      });
      await scim.call('DELETE', `/Users/${created.body.id}`);
      const handle = kit.track(
        kit.client.workflow.getHandle<typeof accountLifecycleWorkflow>(
          accountWorkflowId(scim.companyId, created.body.id),
        ),
      );
      const result = await handle.result();
      expect(result.timeline.map((e) => e.event)).toEqual(['created', 'deactivated', 'updated', 'deleted']);
      expect(result).toMatchObject({ userName: created.body.userName, deleted: true, purged: true });
    });
  });
});
