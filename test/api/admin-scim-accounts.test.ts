/**
 * The admin view of SCIM accounts: phone numbers as HR-side code reads them (E.164), and the flag on an account whose
 * number Entra sent in a form that cannot be parsed — while SCIM answers the number exactly as sent.
 */
import { randomUUID } from 'node:crypto';
import { ScimUrn } from '../../domain/scim/constants';
import { describeEachDatabase } from '../helpers/databases';
import { startScimEndpoint, type ScimEndpoint } from './scim-harness';

const adminPassword = 'admin password for the SCIM accounts view';
const patchOp = (...Operations: object[]) => ({ schemas: [ScimUrn.PatchOp], Operations });

interface Account {
  id: string;
  userName: string;
  phoneNumbers: Array<{ type: string | null; e164: string | null }>;
  phoneNumbersUnparsable: boolean;
}

describeEachDatabase('the admin SCIM accounts view', (getDb) => {
  let scim: ScimEndpoint;
  beforeAll(async () => {
    scim = await startScimEndpoint(getDb(), { policies: { phoneDefaultCountry: 'US' }, adminPassword });
  });
  afterAll(() => scim.close());

  async function admin(query: string, password = adminPassword) {
    const res = await fetch(`${scim.url}/admin/api/scim-accounts${query}`, {
      headers: { authorization: `Bearer ${password}` },
    });
    return { status: res.status, body: (await res.json()) as { accounts: Account[]; companyId: string } };
  }

  it('shows each account with its phones in E.164 and flags the one whose number cannot be parsed', async () => {
    const parsable = await scim.call('POST', '/Users', {
      schemas: [ScimUrn.User],
      userName: `ok_${randomUUID()}`,
      phoneNumbers: [
        { type: 'work', value: '555-555-5555' },
        { type: 'mobile', value: '+1 425 555 0100' },
      ],
    });
    const odd = await scim.call('POST', '/Users', {
      schemas: [ScimUrn.User],
      userName: `odd_${randomUUID()}`,
      phoneNumbers: [{ type: 'work', value: '10-040-1308' }],
    });
    expect([parsable.status, odd.status]).toEqual([201, 201]);
    // SCIM answers what was sent; only the admin view shows the parsed form.
    expect(odd.body.phoneNumbers).toEqual([{ type: 'work', value: '10-040-1308' }]);

    const all = await admin(`?company=${scim.companyId}`);
    expect(all.status).toBe(200);
    expect(all.body.companyId).toBe(scim.companyId);
    const byId = new Map(all.body.accounts.map((a) => [a.id, a]));
    expect(byId.get(parsable.body.id)).toMatchObject({
      userName: parsable.body.userName,
      phoneNumbers: [
        { type: 'work', e164: '+15555555555' },
        { type: 'mobile', e164: '+14255550100' },
      ],
      phoneNumbersUnparsable: false,
    });
    expect(byId.get(odd.body.id)).toMatchObject({
      phoneNumbers: [{ type: 'work', e164: null }],
      phoneNumbersUnparsable: true,
    });

    const flagged = await admin(`?company=${scim.companyId}&flagged=true`);
    expect(flagged.body.accounts.map((a) => a.id)).toContain(odd.body.id);
    expect(flagged.body.accounts.every((a) => a.phoneNumbersUnparsable)).toBe(true);

    // Entra corrects the number: the flag goes with the next write.
    const fixed = await scim.call(
      'PATCH',
      `/Users/${odd.body.id}`,
      patchOp({ op: 'Replace', path: 'phoneNumbers[type eq "work"].value', value: '(206) 555-0123' }),
    );
    expect(fixed.status).toBe(200);
    expect((await admin(`?company=${scim.companyId}&flagged=true`)).body.accounts.map((a) => a.id)).not.toContain(
      odd.body.id,
    );
    const after = (await admin(`?company=${scim.companyId}`)).body.accounts.find((a) => a.id === odd.body.id);
    expect(after).toMatchObject({
      phoneNumbers: [{ type: 'work', e164: '+12065550123' }],
      phoneNumbersUnparsable: false,
    });
  });

  it('pages, and refuses a bad query with 400 and a wrong password with 401', async () => {
    const first = await admin(`?company=${scim.companyId}&limit=1`);
    expect(first.body.accounts).toHaveLength(1);
    const second = await admin(`?company=${scim.companyId}&limit=1&offset=1`);
    expect(second.body.accounts).toHaveLength(1);
    expect(second.body.accounts[0]!.id).not.toBe(first.body.accounts[0]!.id);
    for (const query of ['?limit=0', '?limit=many', '?flagged=yes', '?offset=-1', '?company=not%20a%20company']) {
      expect({ query, status: (await admin(query)).status }).toEqual({ query, status: 400 });
    }
    expect((await admin('', 'wrong')).status).toBe(401);
  });
});
