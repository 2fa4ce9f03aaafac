/**
 * The HR event housekeeping Schedule on Temporal's own dev server: created with the retention, updated when the
 * retention changes, and its run deletes settled events older than the retention while keeping undelivered ones.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { createStoreActivities } from '../../activities/store-activities';
import { findTemporalCli } from '../../cli/temporal-tools';
import { HrEmployee } from '../../domain/hr-employee';
import { ensureHrEventHousekeepingSchedule } from '../../orchestration/housekeeping';
import { ensureDefaultCompany } from '../../store/companies';
import { acceptHrEvent, markHrEventDelivered } from '../../store/hr-events';
import { webhookEvents } from '../../store/schema';
import { hrEventHousekeepingScheduleId } from '../../workflows/definitions';
import { createTestDatabase, type TestDatabase } from '../helpers/databases';
import { startDevServer } from '../helpers/temporal';

jest.setTimeout(120_000);

const cli = findTemporalCli();
const describeWithCli = cli === undefined ? describe.skip : describe;
if (cli === undefined) {
  console.warn('the Temporal CLI is not installed (scripts/install-temporal): housekeeping suite skipped');
}

describeWithCli('HR event housekeeping schedule', () => {
  let server: Awaited<ReturnType<typeof startDevServer>> | undefined;
  let connection: Connection;
  let client: Client;
  let database: TestDatabase;
  const taskQueue = 'housekeeping-test';

  beforeAll(async () => {
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      // Installed already by another suite in this jest worker.
    }
    server = await startDevServer();
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection, namespace: 'default' });
    database = await createTestDatabase('pglite');
    await ensureDefaultCompany(database.db);
  });

  afterAll(async () => {
    await connection?.close();
    await database?.close();
    await server?.stop();
  });

  async function storeEvent(eventId: string, version: number, receivedDaysAgo: number, delivered: boolean) {
    const result = await acceptHrEvent(database.db, {
      companyId: 'default',
      eventId,
      type: 'employee.updated',
      occurredAt: new Date(),
      employee: HrEmployee.parse({ id: `emp_${eventId}`, version, firstName: 'House', lastName: 'Keeping' }),
    });
    if (result.outcome !== 'accepted') throw new Error(`event ${eventId} was ${result.outcome}`);
    await database.db
      .update(webhookEvents)
      .set({ receivedAt: new Date(Date.now() - receivedDaysAgo * 86_400_000) })
      .where(eq(webhookEvents.eventId, eventId));
    if (delivered) await markHrEventDelivered(database.db, result.eventRowId);
  }

  it('is created with the retention, updated when it changes, and its run deletes only old settled events', async () => {
    await storeEvent('old-delivered', 1, 40, true);
    await storeEvent('old-undelivered', 1, 40, false);
    await storeEvent('new-delivered', 1, 5, true);

    expect(await ensureHrEventHousekeepingSchedule(client, { taskQueue, retentionDays: 60 })).toBe('created');
    expect(await ensureHrEventHousekeepingSchedule(client, { taskQueue, retentionDays: 60 })).toBe('exists');
    expect(await ensureHrEventHousekeepingSchedule(client, { taskQueue, retentionDays: 30 })).toBe('updated');

    const nativeConnection = await NativeConnection.connect({ address: connection.options.address });
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../../workflows/hr-event-housekeeping'),
      activities: createStoreActivities(database.db),
    });
    await worker.runUntil(async () => {
      const schedule = client.schedule.getHandle(hrEventHousekeepingScheduleId);
      await schedule.trigger();
      for (const deadline = Date.now() + 60_000; ;) {
        const { info } = await schedule.describe();
        const run = info.recentActions[0]?.action;
        if (run !== undefined) {
          const result: unknown = await client.workflow
            .getHandle(run.workflow.workflowId, run.workflow.firstExecutionRunId)
            .result();
          expect(result).toEqual({ deleted: 1 });
          break;
        }
        if (Date.now() > deadline) throw new Error('the schedule did not run');
        await new Promise((r) => setTimeout(r, 250));
      }
    });
    await nativeConnection.close();

    const left = await database.db.select({ eventId: webhookEvents.eventId }).from(webhookEvents);
    expect(left.map((e) => e.eventId).sort()).toEqual(['new-delivered', 'old-undelivered']);
  });
});
