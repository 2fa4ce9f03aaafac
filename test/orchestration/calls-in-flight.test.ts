/**
 * A Temporal call that its caller stopped waiting for must not outlive the connection. The client retries an
 * unreachable server on timers; a retry firing after `connection.close()` throws "Channel has been shut down" from a
 * timer, which crashes `joiner start` at shutdown and, under jest, failed whichever test file ran next in the worker.
 */
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { CallsInFlight } from '../../orchestration/deadline';
import { deliverHrEvent } from '../../orchestration/hr-event-delivery';
import { hrEmployee } from '../domain/hr-fixtures';

/** A TCP port that accepts and drops every connection: Temporal as a client sees it while the server is down. */
async function unreachableTemporal(): Promise<{ address: string; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { address: `127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const event = {
  companyId: 'default',
  eventId: 'evt_in_flight',
  type: 'employee.onboarded' as const,
  occurredAt: new Date('2026-11-22T10:00:00Z'),
  snapshot: hrEmployee(),
};

describe('Temporal calls left running', () => {
  let temporal: Awaited<ReturnType<typeof unreachableTemporal>>;
  let connection: Connection;
  let client: Client;
  beforeEach(async () => {
    temporal = await unreachableTemporal();
    connection = Connection.lazy({ address: temporal.address });
    client = new Client({ connection });
  });
  afterEach(async () => {
    await connection.close();
    await temporal.close();
  });

  it('end at their gRPC deadline, and the connection closes after them without a retry firing on it', async () => {
    const inFlight = new CallsInFlight();
    const deps = { client: client.workflow, taskQueue: 'joiner', inFlight, deliveryTimeoutMs: 1_000 };
    // What the webhook does: wait a little for the delivery, then answer and leave it running.
    const delivery = deliverHrEvent(deps, event);
    const failure = delivery.catch((err: unknown) => err);
    expect(await inFlight.waitAtMost(delivery, 100)).toEqual({ settled: false });

    await inFlight.settled();
    expect(String(await failure)).toContain('Temporal did not answer within 1000 ms');
    await connection.close();
    // Longer than the client's longest retry backoff (5 s): a retry left on a timer would throw here, failing this test.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
  }, 30_000);

  it('settled() waits for work tracked while it waits', async () => {
    const inFlight = new CallsInFlight();
    const order: string[] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve)).then(() => {
      order.push('first');
      void inFlight.waitAtMost(
        Promise.resolve().then(() => order.push('second')),
        0,
      );
    });
    await inFlight.waitAtMost(first, 0);
    const settled = inFlight.settled().then(() => order.push('settled'));
    release();
    await settled;
    expect(order).toEqual(['first', 'second', 'settled']);
  });
});
