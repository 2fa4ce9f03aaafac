import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { acceptHrEvent } from '../../store/hr-events';
import { getEmployeeView, listEmployeeViews } from '../../orchestration/employee-view';
import type { TestDatabase } from '../helpers/databases';
import { createTestDatabase } from '../helpers/databases';
import { freshCompany, hrEmployee } from '../store/fixtures';

/**
 * A Temporal that accepts connections and never answers (a hung server, the case that would hang a page). A refused
 * port would be answered at once, and the client's retry timers would outlive the test's connection.
 */
async function hungServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('employee view with Temporal not answering', () => {
  let database: TestDatabase;
  let connection: Connection;
  let client: Client;
  let hung: Awaited<ReturnType<typeof hungServer>>;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    hung = await hungServer();
    connection = Connection.lazy({ address: `127.0.0.1:${hung.port}`, connectTimeout: 500 });
    client = new Client({ connection });
  });
  afterAll(async () => {
    // Closing a connection while the client retries a call makes the retry throw: let every call settle first.
    await connection.ensureConnected().catch(() => undefined);
    await connection.close();
    await hung.close();
    await database.close();
  });

  it('still shows the database part and says that Temporal did not answer, within the deadline', async () => {
    const db = database.db;
    const company = await freshCompany(db);
    await acceptHrEvent(db, {
      companyId: company.id,
      eventId: 'evt_1',
      type: 'employee.created',
      occurredAt: new Date(),
      employee: hrEmployee({ id: 'emp_1', version: 1 }),
    });

    const view = await getEmployeeView({ db, client: client.workflow }, company.id, 'emp_1', { deadlineMs: 300 });
    expect(view).not.toBeNull();
    expect(view!.workflowId).toBe(`employee/${company.id}/emp_1`);
    expect(view!.employee.snapshot.firstName).toBe('Ada');
    expect(view!.workflow).toEqual({ status: 'unavailable', reason: expect.stringMatching(/Temporal/) });
    expect(view!.hrEvents.map((e) => e.eventId)).toEqual(['evt_1']);
    expect(view!.preview).toMatchObject({ kind: 'create', userPrincipalName: 'ada@contoso.com' });

    const page = await listEmployeeViews(
      { db, client: client.workflow },
      company.id,
      { limit: 10 },
      { deadlineMs: 300 },
    );
    expect(page.rows.map((r) => r.id)).toEqual(['emp_1']);
    expect(page.workflows.get('emp_1')).toMatchObject({ status: 'unavailable' });
  });

  it('answers null for an employee the company does not have', async () => {
    const company = await freshCompany(database.db);
    await expect(
      getEmployeeView({ db: database.db, client: client.workflow }, company.id, 'nobody', { deadlineMs: 100 }),
    ).resolves.toBeNull();
  });
});
