/**
 * On Temporal's dev server started without Joiner's search attributes (a server set up by hand, or restarted empty):
 * the outbox relay's first delivery fails only for want of them, registers them and goes on, so the accepted event
 * reaches its workflow (with its search attributes) without a failed attempt in the outbox.
 */
import { and, eq } from 'drizzle-orm';
import { Client, Connection } from '@temporalio/client';
import { findTemporalCli } from '../../cli/temporal-tools';
import { startTemporalDevServer, type TemporalDevServer } from '../../cli/temporal-dev-server';
import { CallsInFlight } from '../../orchestration/deadline';
import { HrOutboxRelay } from '../../orchestration/hr-outbox-relay';
import { joinerSearchAttributes } from '../../orchestration/search-attributes';
import { defaultCompanyId, ensureDefaultCompany } from '../../store/companies';
import { acceptHrEvent } from '../../store/hr-events';
import { webhookEvents } from '../../store/schema';
import { employeeWorkflowId, EmployeeIdSearchAttribute } from '../../workflows/definitions';
import { createTestDatabase, type TestDatabase } from '../helpers/databases';
import { hrEmployee } from '../store/fixtures';

jest.setTimeout(90_000);

const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };
let server: TemporalDevServer;
let connection: Connection;
let database: TestDatabase;

beforeAll(async () => {
  const cli = findTemporalCli();
  if (cli === undefined) throw new Error('the Temporal CLI is not installed: run scripts/install-temporal');
  [server, database] = await Promise.all([
    startTemporalDevServer({ cli: cli.path, searchAttributes: false }),
    createTestDatabase('pglite'),
  ]);
  connection = await Connection.connect({ address: server.address });
}, 90_000);

afterAll(async () => {
  await connection?.close();
  await server?.stop();
  await database?.close();
});

it('registers the missing search attributes on the first delivery and delivers the event', async () => {
  const registered = async () =>
    Object.keys(
      (await connection.operatorService.listSearchAttributes({ namespace: 'default' })).customAttributes ?? {},
    );
  expect(await registered()).not.toContain(EmployeeIdSearchAttribute.name);

  const { db } = database;
  await ensureDefaultCompany(db);
  const employee = hrEmployee({ id: 'emp_no_attributes', version: 1 });
  const accepted = await acceptHrEvent(db, {
    companyId: defaultCompanyId,
    eventId: 'evt_no_attributes',
    type: 'employee.onboarded',
    occurredAt: new Date(),
    employee,
  });
  if (accepted.outcome !== 'accepted') throw new Error(`expected accepted, got ${accepted.outcome}`);

  const client = new Client({ connection, namespace: 'default' });
  const relay = new HrOutboxRelay({
    db,
    temporal: { client: client.workflow, taskQueue: 'no-worker', inFlight: new CallsInFlight() },
    logger: quiet,
    // No poll during the test: the delivery is the one the webhook kicks.
    intervalMs: 3_600_000,
  });
  const row = async () =>
    (
      await db
        .select()
        .from(webhookEvents)
        .where(and(eq(webhookEvents.id, accepted.eventRowId)))
    )[0]!;
  relay.start();
  try {
    relay.accepted(accepted.eventRowId, {
      companyId: defaultCompanyId,
      eventId: 'evt_no_attributes',
      type: 'employee.onboarded',
      occurredAt: new Date(),
      snapshot: employee,
    });
    // Until it is delivered, or its delivery failed (then the assertions below say how).
    for (let r = await row(); r.deliveredAt === null && r.deliveryAttempts === 0; r = await row()) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await relay.stop();
  }

  expect(await row()).toMatchObject({ deliveryAttempts: 0, lastDeliveryError: null });
  expect(await registered()).toEqual(expect.arrayContaining(joinerSearchAttributes.map((key) => key.name)));
  const described = await client.workflow.getHandle(employeeWorkflowId(defaultCompanyId, employee.id)).describe();
  expect(described.typedSearchAttributes.get(EmployeeIdSearchAttribute)).toBe(employee.id);
});
