/** `POST /webhooks/alexis` over real HTTP: signatures, limits, validation, dedupe, and what is stored. */
import { and, eq } from 'drizzle-orm';
import { webhookEvents } from '../../store/schema';
import { getEmployee } from '../../store/employees';
import { LifecycleHarness, webhookSecret } from '../lifecycle/harness';

// End-to-end steps share two CPU cores with the rest of the suite: allow them time.
jest.setTimeout(120_000);

const h = new LifecycleHarness();
beforeAll(() => h.setup(), 120_000);
afterAll(() => h.teardown(), 120_000);

const employee = { id: 'emp_hook', firstName: 'Hook', lastName: 'Tester', workEmail: 'hook@contoso.com' };

async function storedEvents(eventId: string) {
  return h.db
    .select()
    .from(webhookEvents)
    .where(and(eq(webhookEvents.companyId, 'default'), eq(webhookEvents.eventId, eventId)));
}

describe('POST /webhooks/alexis', () => {
  it('accepts a signed event with 202, stores the snapshot and starts the employee workflow', async () => {
    const body = h.event('employee.created', employee);
    const res = await h.post(body);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      status: 'accepted',
      eventId: body.id,
      employeeId: 'emp_hook',
      workflowId: 'employee/default/emp_hook',
    });
    h.track(employee.id);
    expect((await getEmployee(h.db, 'default', 'emp_hook'))?.snapshot.workEmail).toBe('hook@contoso.com');
    const state = await h.until(employee.id, (s) => s.lastEventId === body.id);
    expect(state.hrVersion).toBe(body.data.employee.version);
    const [stored] = await storedEvents(body.id);
    expect(stored?.deliveredAt).not.toBeNull();
  });

  it('answers 200 to an event id it has already accepted and signals nothing', async () => {
    const body = h.event('employee.updated', { ...employee, title: 'Once' });
    expect((await h.post(body)).status).toBe(202);
    const before = (await h.settled(employee.id)).reconciliations;
    // The workflow reports a reconciliation before its activity has recorded it in the database, and a resent event
    // of an employee the database calls unreconciled is handed to the workflow again: wait for the record.
    while ((await getEmployee(h.db, 'default', employee.id))?.reconciledVersion !== body.data.employee.version) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await h.post(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'duplicate', eventId: body.id });
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.state(employee.id))!.reconciliations).toBe(before);
  });

  it.each([
    ['no signature header', { header: null }, 'missing'],
    ['a malformed header', { header: 'sha256=abc' }, 'malformed'],
    ['another secret', { secret: 'not-the-secret' }, 'does not match'],
    ['a timestamp six minutes old', { timestamp: Math.floor(Date.now() / 1000) - 360 }, '5 minutes'],
  ])('answers 401 and stores nothing for %s', async (_case, sign, message) => {
    const body = h.event('employee.updated', { ...employee, title: 'Forged' });
    const res = await h.post(body, sign);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(message);
    expect(await storedEvents(body.id)).toEqual([]);
  });

  it('answers 401 for a company without a webhook secret', async () => {
    const body = { ...h.event('employee.updated', employee), companyId: 'unknown-co' };
    const res = await h.post(body);
    expect(res.status).toBe(401);
  });

  it('answers 400 naming each invalid field, and stores nothing', async () => {
    const body = h.event('employee.updated', { ...employee, workEmail: 'not an email', hireDate: '2026-13-01' });
    const res = await h.post(body);
    expect(res.status).toBe(400);
    const error = ((await res.json()) as { error: { message: string; details: string[] } }).error;
    expect(error.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^data\.employee\.workEmail: /),
        expect.stringMatching(/^data\.employee\.hireDate: /),
      ]),
    );
    expect(await storedEvents(body.id)).toEqual([]);
  });

  it('answers 400 to a signed body that is not JSON', async () => {
    const res = await h.post('{"id": ');
    expect(res.status).toBe(400);
  });

  it('answers 413 to a body over 256 KiB without reading it all', async () => {
    const body = h.event('employee.updated', { ...employee, title: 'x'.repeat(300 * 1024) });
    const res = await h.post(body);
    expect(res.status).toBe(413);
  });

  it('answers 415 to a body that is not application/json', async () => {
    const res = await fetch(`${h.api.url}/webhooks/alexis`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(415);
  });

  it('never writes the webhook secret in a response', async () => {
    const res = await h.post(h.event('employee.updated', employee), { secret: 'wrong' });
    expect(await res.text()).not.toContain(webhookSecret);
  });
});
