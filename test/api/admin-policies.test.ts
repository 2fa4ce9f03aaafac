/**
 * `GET|PATCH /admin/api/companies/:id/policies` over real HTTP on each database, with Temporal down: a good change is
 * stored and answered even though its resync cannot start; a bad one is a 400 naming the field and writes nothing.
 * That a change starts the resync on a live Temporal is test/lifecycle/company-changes.test.ts.
 */
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { createApp, type AppDeps } from '../../api/app';
import { parseConfig } from '../../domain/config';
import { defaultCompanyPolicies } from '../../domain/policies';
import { CallsInFlight } from '../../orchestration/deadline';
import { ensureDefaultCompany, getCompany } from '../../store/companies';
import { describeEachDatabase } from '../helpers/databases';
import { capturingLogger } from './scim-harness';
import { serve, type ServedApp } from './serve';

const adminPassword = 'correct horse battery staple';
const auth = `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}`;

/** A TCP port nothing listens on: Temporal there is "down". */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface PoliciesAnswer {
  companyId: string;
  policies: Record<string, unknown>;
  changed?: boolean;
  resync?: unknown;
}
interface ErrorAnswer {
  error: { message: string; details: Array<{ field: string; message: string }> };
}

describeEachDatabase('the admin policies API', (getDb) => {
  let app: ServedApp;
  let connection: Connection;
  const inFlight = new CallsInFlight();
  const logLines: string[] = [];

  beforeAll(async () => {
    await ensureDefaultCompany(getDb());
    // No gRPC retry interceptor: a call to the dead server fails at once instead of retrying past the end of the file.
    connection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}`, interceptors: [] });
    const client = new Client({ connection, namespace: 'default' });
    const deps: AppDeps = {
      db: getDb(),
      temporal: { client: client.workflow, taskQueue: 'policies-test', inFlight },
      config: parseConfig({ ADMIN_PASSWORD: adminPassword }),
      logger: capturingLogger(logLines),
    };
    app = await serve(createApp(deps));
  });
  afterAll(async () => {
    await app.close();
    await inFlight.settled();
    await connection.close();
  });

  const policies = (method: 'GET' | 'PATCH', body?: string, company = 'default', authorization = auth) =>
    fetch(`${app.url}/admin/api/companies/${company}/policies`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body,
    });
  const stored = async () => (await getCompany(getDb(), 'default'))!.policies;

  it("answers the company's policies, the defaults filled in", async () => {
    const res = await policies('GET');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ companyId: 'default', policies: defaultCompanyPolicies });
  });

  it('stores a change of some policies, keeps the others, and says the resync did not start while Temporal is down', async () => {
    logLines.length = 0;
    const res = await policies('PATCH', JSON.stringify({ timeZone: 'Europe/Stockholm', deleteAfterLeaveDays: 30 }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as PoliciesAnswer;
    const expected = { ...defaultCompanyPolicies, timeZone: 'Europe/Stockholm', deleteAfterLeaveDays: 30 };
    expect(body).toEqual({ companyId: 'default', policies: expected, changed: true, resync: null });
    expect(await stored()).toEqual(expected);
    expect(((await (await policies('GET')).json()) as PoliciesAnswer).policies).toEqual(expected);
    const warned = logLines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
    expect(warned.map((l) => l.msg)).toEqual(['the company resync could not be started; run joiner resync later']);
  });

  it('changes nothing and starts nothing when the policies are the stored ones', async () => {
    const res = await policies('PATCH', JSON.stringify({ timeZone: 'Europe/Stockholm' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ changed: false, resync: null });
  });

  it.each([
    ['timeZone', { timeZone: 'Europe/Atlantis' }],
    ['provisionLeadDays', { provisionLeadDays: -1 }],
    ['disableAccountAtLeave', { disableAccountAtLeave: 'true' }],
    ['revokeSessionsAtLeave', { revokeSessionsAtLeave: null }],
    ['deleteAfterLeaveDays', { deleteAfterLeaveDays: 10_000 }],
    ['phoneDefaultCountry', { phoneDefaultCountry: 'Sweden' }],
    ['scimDeletedUserRetentionDays', { scimDeletedUserRetentionDays: 0 }],
    ['deleteAfterDays', { deleteAfterDays: 30 }],
    ['timeZone', { timeZone: 'UTC\u0000' }],
  ])('refuses a bad %s with 400 naming it, and writes none of the change', async (field, change) => {
    const before = await stored();
    // The good policy beside the bad one is not written either.
    const res = await policies('PATCH', JSON.stringify({ disableAccountAtLeave: true, ...change }));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorAnswer;
    expect(error.message).toContain(field);
    expect(error.details.map((d) => d.field)).toEqual([field]);
    expect(await stored()).toEqual(before);
  });

  it.each([
    ['a JSON array', '[]'],
    ['malformed JSON', '{"timeZone":'],
  ])('refuses %s as the body with 400', async (_what, body) => {
    const before = await stored();
    expect((await policies('PATCH', body)).status).toBe(400);
    expect(await stored()).toEqual(before);
  });

  it('answers an unknown company with 404, a malformed company id with 400, no password with 401', async () => {
    expect((await policies('GET', undefined, 'no-such-company')).status).toBe(404);
    expect((await policies('PATCH', '{}', 'no-such-company')).status).toBe(404);
    const malformed = await policies('GET', undefined, 'bad%00id');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ErrorAnswer).error.message).toContain('company id');
    expect((await policies('PATCH', '{"timeZone":"UTC"}', 'default', '')).status).toBe(401);
    expect(((await stored()) as { timeZone: string }).timeZone).toBe('Europe/Stockholm');
  });
});
