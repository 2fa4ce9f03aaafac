/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- Graph JSON bodies are asserted field by field */
import type { SandboxFixture } from './helpers';
import { newUserBody, startFixture } from './helpers';

describe('Graph user queries in the sandbox', () => {
  let f: SandboxFixture;
  const eventual = { ConsistencyLevel: 'eventual' };

  beforeAll(async () => {
    f = await startFixture();
    const people = [
      ['anna', 'Anna Berg', 'E100', 'anna.berg@contoso.com'],
      ['bertil', 'Bertil Ek', 'E200', 'bertil.ek@contoso.com'],
      ['cecilia', 'Cecilia Berg', 'E300', 'cecilia@contoso.com'],
      ['david', "David O'Neil", 'E400', null],
    ] as const;
    for (const [alias, displayName, employeeId, mail] of people) {
      const res = await f.graph(
        'POST',
        '/users',
        newUserBody(alias, { displayName, employeeId, ...(mail ? { mail } : {}) }),
      );
      expect(res.status).toBe(201);
    }
  });
  afterAll(() => f.close());

  async function upns(path: string, headers: Record<string, string> = {}): Promise<string[]> {
    const res = await f.graph('GET', path, undefined, headers);
    expect(res.status).toBe(200);
    return res.body.value.map((u: any) => u.userPrincipalName);
  }

  const q = (filter: string) => `/users?$filter=${encodeURIComponent(filter)}`;

  it('filters with eq on mail, userPrincipalName and employeeId, case-insensitively', async () => {
    expect(await upns(q("mail eq 'ANNA.BERG@contoso.com'"))).toEqual(['anna@contoso.com']);
    expect(await upns(q("userPrincipalName eq 'bertil@contoso.com'"))).toEqual(['bertil@contoso.com']);
    expect(await upns(q("employeeId eq 'E300'"))).toEqual(['cecilia@contoso.com']);
    expect(await upns(q("mail eq 'nobody@contoso.com'"))).toEqual([]);
  });

  it("filters with in, startsWith, and/or, and a quoted apostrophe ('')", async () => {
    expect(await upns(q("employeeId in ('E100', 'E400')"))).toEqual(['anna@contoso.com', 'david@contoso.com']);
    expect(await upns(q("startsWith(displayName, 'c')"))).toEqual(['cecilia@contoso.com']);
    expect(await upns(q("startsWith(mail,'anna') or employeeId eq 'E200'"))).toEqual([
      'anna@contoso.com',
      'bertil@contoso.com',
    ]);
    expect(await upns(q("displayName eq 'David O''Neil'"))).toEqual(['david@contoso.com']);
  });

  it('filters proxyAddresses with any()', async () => {
    expect(await upns(q("proxyAddresses/any(p:p eq 'smtp:cecilia@contoso.com')"))).toEqual(['cecilia@contoso.com']);
  });

  it('needs ConsistencyLevel: eventual and $count=true for ne, not and endsWith', async () => {
    for (const filter of [
      "employeeId ne 'E100'",
      "not(startsWith(displayName,'A'))",
      "endsWith(mail,'@contoso.com')",
    ]) {
      const refused = await f.graph('GET', q(filter));
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('Request_UnsupportedQuery');
      const headerOnly = await f.graph('GET', q(filter), undefined, eventual);
      expect(headerOnly.status).toBe(400);
    }
    expect(await upns(`${q("endsWith(mail,'@contoso.com')")}&$count=true`, eventual)).toEqual([
      'anna@contoso.com',
      'bertil@contoso.com',
      'cecilia@contoso.com',
    ]);
    const counted = await f.graph('GET', `${q("employeeId ne 'E100'")}&$count=true`, undefined, eventual);
    expect(counted.body['@odata.count']).toBe(3);
  });

  it('needs ConsistencyLevel for $count and $search', async () => {
    expect((await f.graph('GET', '/users?$count=true')).body.error.code).toBe('Request_UnsupportedQuery');
    expect((await f.graph('GET', '/users?$search="displayName:berg"')).status).toBe(400);
    const found = await upns(`/users?$search=${encodeURIComponent('"displayName:berg"')}`, eventual);
    expect(found).toEqual(['anna@contoso.com', 'cecilia@contoso.com']);
  });

  it('answers 400 for a malformed filter and for an unknown property', async () => {
    const malformed = await f.graph('GET', q("mail eq 'unterminated"));
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/^Invalid filter clause/);
    const unknown = await f.graph('GET', q("shoeSize eq '42'"));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe(
      "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
    );
  });

  it('returns only $select-ed properties (plus id when selected) and refuses an unknown one', async () => {
    const res = await f.graph('GET', `${q("employeeId eq 'E100'")}&$select=displayName,employeeId`);
    expect(res.body.value).toEqual([{ displayName: 'Anna Berg', employeeId: 'E100' }]);
    expect(res.body['@odata.context']).toBe('https://graph.microsoft.com/v1.0/$metadata#users(displayName,employeeId)');
    expect((await f.graph('GET', '/users?$select=shoeSize')).status).toBe(400);
  });

  it('pages with $top and @odata.nextLink that keeps the query and visits every user once', async () => {
    const seen: string[] = [];
    let link: string | undefined =
      `/users?$top=3&$select=userPrincipalName&$filter=${encodeURIComponent("startsWith(userPrincipalName,'')")}`;
    let pages = 0;
    while (link) {
      const res = await f.graph('GET', link);
      expect(res.status).toBe(200);
      seen.push(...res.body.value.map((u: any) => u.userPrincipalName));
      const next: string | undefined = res.body['@odata.nextLink'];
      if (next) {
        expect(next.startsWith(`${f.entra.url}/v1.0/users?`)).toBe(true);
        expect(new URL(next).searchParams.get('$select')).toBe('userPrincipalName');
      }
      link = next?.slice(`${f.entra.url}/v1.0`.length);
      pages += 1;
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(['anna', 'bertil', 'cecilia', 'david'].map((a) => `${a}@contoso.com`));
  });

  it('refuses $top outside 1..999 and a forged $skiptoken', async () => {
    expect((await f.graph('GET', '/users?$top=1000')).status).toBe(400);
    expect((await f.graph('GET', '/users?$top=0')).status).toBe(400);
    expect((await f.graph('GET', '/users?$skiptoken=garbage')).status).toBe(400);
  });

  it('orders by displayName', async () => {
    expect(await upns('/users?$orderby=displayName desc')).toEqual([
      'david@contoso.com',
      'cecilia@contoso.com',
      'bertil@contoso.com',
      'anna@contoso.com',
    ]);
  });
});
