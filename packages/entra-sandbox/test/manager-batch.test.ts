/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- Graph JSON bodies are asserted field by field */
import type { SandboxFixture } from './helpers';
import { newUserBody, startFixture } from './helpers';

describe('managers and $batch in the sandbox', () => {
  let f: SandboxFixture;

  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(() => f.close());
  afterEach(() => f.entra.control.reset());

  async function create(alias: string): Promise<string> {
    const res = await f.graph('POST', '/users', newUserBody(alias));
    expect(res.status).toBe(201);
    return res.body.id;
  }

  const ref = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/users/${id}` });

  it('sets, reads, lists as direct report, and removes a manager', async () => {
    const boss = await create('boss');
    const worker = await create('worker');
    expect((await f.graph('GET', `/users/${worker}/manager`)).status).toBe(404);

    expect((await f.graph('PUT', `/users/${worker}/manager/$ref`, ref(boss))).status).toBe(204);
    const manager = await f.graph('GET', `/users/${worker}/manager?$select=id,displayName`);
    expect(manager.body).toMatchObject({ id: boss, displayName: 'User boss', '@odata.type': '#microsoft.graph.user' });
    const reports = await f.graph('GET', `/users/${boss}/directReports`);
    expect(reports.body.value.map((u: any) => u.id)).toEqual([worker]);

    expect((await f.graph('DELETE', `/users/${worker}/manager/$ref`)).status).toBe(204);
    expect((await f.graph('GET', `/users/${worker}/manager`)).status).toBe(404);
    const again = await f.graph('DELETE', `/users/${worker}/manager/$ref`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('Request_ResourceNotFound');
  });

  it('accepts a reference to the sandbox origin and refuses unknown managers, self and loops', async () => {
    const a = await create('a');
    const b = await create('b');
    const viaOrigin = { '@odata.id': `${f.entra.url}/v1.0/users/${encodeURIComponent(b)}` };
    expect((await f.graph('PUT', `/users/${a}/manager/$ref`, viaOrigin)).status).toBe(204);
    expect((await f.graph('PUT', `/users/${a}/manager/$ref`, ref('00000000-0000-0000-0000-000000000000'))).status).toBe(
      404,
    );
    expect((await f.graph('PUT', `/users/${a}/manager/$ref`, ref(a))).status).toBe(400);
    expect((await f.graph('PUT', `/users/${b}/manager/$ref`, ref(a))).status).toBe(400);
    expect((await f.graph('PUT', `/users/${a}/manager/$ref`, {})).status).toBe(400);
  });

  it('clears the manager of direct reports when the manager is deleted', async () => {
    const boss = await create('gone');
    const worker = await create('left');
    await f.graph('PUT', `/users/${worker}/manager/$ref`, ref(boss));
    await f.graph('DELETE', `/users/${boss}`);
    expect((await f.graph('GET', `/users/${worker}/manager`)).status).toBe(404);
  });

  it('runs a batch with dependsOn in order, answers 424 for a failed dependency, and 200 outside', async () => {
    const res = await f.graph('POST', '/$batch', {
      requests: [
        {
          id: '1',
          method: 'POST',
          url: '/users',
          headers: { 'Content-Type': 'application/json' },
          body: newUserBody('b1'),
        },
        { id: '2', method: 'GET', url: '/users/b1@contoso.com?$select=id,userPrincipalName', dependsOn: ['1'] },
        {
          id: '3',
          method: 'POST',
          url: 'users',
          headers: { 'content-type': 'application/json' },
          body: newUserBody('b1'),
        },
        {
          id: '4',
          method: 'PATCH',
          url: '/users/b1@contoso.com',
          headers: { 'content-type': 'application/json' },
          body: { jobTitle: 'X' },
          dependsOn: ['3'],
        },
      ],
    });
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.responses.map((r: any) => [r.id, r]));
    expect(byId['1'].status).toBe(201);
    expect(byId['2']).toMatchObject({ status: 200, body: { userPrincipalName: 'b1@contoso.com' } });
    expect(byId['3'].status).toBe(400);
    expect(byId['3'].body.error.details[0]).toMatchObject({ code: 'ObjectConflict', target: 'userPrincipalName' });
    expect(byId['4'].status).toBe(424);
    const read = await f.graph('GET', '/users/b1@contoso.com?$select=jobTitle');
    expect(read.body.jobTitle).toBeNull();
  });

  it('refuses a batch of more than 20 requests and an item body without Content-Type', async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users' }));
    const tooMany = await f.graph('POST', '/$batch', { requests });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.code).toBe('BadRequest');
    const noType = await f.graph('POST', '/$batch', {
      requests: [{ id: '1', method: 'POST', url: '/users', body: newUserBody('nt') }],
    });
    expect(noType.status).toBe(400);
    expect(noType.body.error.message).toBe('Write request id : 1 does not contain Content-Type header or body.');
    expect(f.entra.control.state().users[f.entra.tenantId]).toEqual([]);
  });

  it('throttles batch items one by one, with Retry-After on the refused items only', async () => {
    f.entra.control.updateSettings({ throttling: { appWritesPerWindow: 2, appWriteWindowMs: 60_000 } });
    const requests = ['t1', 't2', 't3'].map((alias, i) => ({
      id: String(i + 1),
      method: 'POST',
      url: '/users',
      headers: { 'Content-Type': 'application/json' },
      body: newUserBody(alias),
    }));
    const res = await f.graph('POST', '/$batch', { requests });
    expect(res.status).toBe(200);
    const statuses = res.body.responses.map((r: any) => r.status);
    expect(statuses).toEqual([201, 201, 429]);
    const refused = res.body.responses[2];
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['x-ms-throttle-information']).toBe('WriteLimitExceeded');
    expect(refused.body.error.code).toBe('TooManyRequests');
  });
});
