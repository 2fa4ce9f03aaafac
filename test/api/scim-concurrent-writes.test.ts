/**
 * SCIM writes of one user that arrive together: each is applied once, to what the one before it wrote, with its own
 * version and its own signal to the account workflow. A write reads the user and writes it in one statement only if no
 * other write came in between, so this is what makes the fallback (again, holding the row) necessary.
 */
import { randomUUID } from 'node:crypto';
import { ScimUrn } from '../../domain/scim/constants';
import { describeEachDatabase } from '../helpers/databases';
import { pluck, startScimEndpoint, type ScimEndpoint } from './scim-harness';

const writes = 20;

describeEachDatabase('SCIM writes of one user at once', (getDb) => {
  let scim: ScimEndpoint;
  beforeAll(async () => {
    scim = await startScimEndpoint(getDb());
  });
  afterAll(() => scim.close());

  it(`keeps all of ${writes} PATCHes sent at once, each with its own version and signal`, async () => {
    const created = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `busy_${randomUUID()}` });
    const path = `/Users/${created.body.id}`;
    const roles = Array.from({ length: writes }, (_, i) => `role-${i}`);
    const answers = await Promise.all(
      roles.map((role) =>
        scim.call('PATCH', path, {
          schemas: [ScimUrn.PatchOp],
          Operations: [{ op: 'Add', path: 'roles', value: [{ value: role }] }],
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(roles.map(() => 200));
    // Each answer is a different version: none was written over another's.
    const versions = answers.map((a) => a.body.meta.version as string);
    expect(new Set(versions).size).toBe(writes);
    const stored = await scim.call('GET', path);
    expect(stored.body.meta.version).toBe(`W/"${writes + 1}"`);
    expect((pluck(stored.body.roles, 'value') as string[]).sort()).toEqual([...roles].sort());
    const signalled = scim.events
      .filter((e) => e.kind === 'account' && e.scimUserId === created.body.id)
      .map((e) => (e.kind === 'account' ? e.account.version : 0));
    expect(signalled.sort((a, b) => a - b)).toEqual(Array.from({ length: writes + 1 }, (_, i) => i + 1));
  });
});
