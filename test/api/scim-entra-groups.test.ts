/** Entra's group flow (Microsoft's SCIM tutorial examples) over real HTTP on both database backends. */
import { randomUUID } from 'node:crypto';
import { ScimUrn } from '../../domain/scim/constants';
import { describeEachDatabase } from '../helpers/databases';
import { pluck, startScimEndpoint, type ScimEndpoint } from './scim-harness';

const patchOp = (...Operations: object[]) => ({ schemas: [ScimUrn.PatchOp], Operations });
const msGroupSchema = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

describeEachDatabase('Entra provisioning groups through /scim/v2', (getDb) => {
  let scim: ScimEndpoint;
  const userIds: string[] = [];
  beforeAll(async () => {
    scim = await startScimEndpoint(getDb());
    for (let i = 0; i < 3; i++) {
      const res = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `member_${randomUUID()}` });
      userIds.push(res.body.id);
    }
  });
  afterAll(() => scim.close());

  const createGroup = async (displayName = `Group ${randomUUID()}`) =>
    scim.call('POST', '/Groups', {
      schemas: [ScimUrn.Group, msGroupSchema],
      externalId: randomUUID(),
      displayName,
      meta: { resourceType: 'Group' },
    });
  const memberIds = async (id: string) =>
    (pluck((await scim.call('GET', `/Groups/${id}`)).body.members, 'value') as string[]).sort();

  it('answers the test connection query for a random group name with an empty ListResponse', async () => {
    const filter = encodeURIComponent(`displayName eq "${randomUUID()}"`);
    const res = await scim.call('GET', `/Groups?excludedAttributes=members&filter=${filter}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('creates a group with a Microsoft schema URN it does not know, and finds it by name in another case', async () => {
    const name = `Sales ${randomUUID()}`;
    const created = await createGroup(name);
    expect(created.status).toBe(201);
    expect(created.location).toBe(`https://joiner.example/scim/v2/Groups/${created.body.id}`);
    expect(created.body).toMatchObject({ schemas: [ScimUrn.Group], displayName: name, members: [] });
    const byId = await scim.call('GET', `/Groups/${created.body.id}?excludedAttributes=members`);
    expect(byId.body).not.toHaveProperty('members');
    expect(byId.body.displayName).toBe(name);
    const filter = encodeURIComponent(`displayName eq "${name.toUpperCase()}"`);
    const found = await scim.call('GET', `/Groups?excludedAttributes=members&filter=${filter}`);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0]).toEqual(byId.body);
  });

  it('refuses a second group with the same displayName with 409 uniqueness', async () => {
    const name = `Dup ${randomUUID()}`;
    await createGroup(name);
    const again = await createGroup(name.toLowerCase());
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
  });

  it('renames a group and answers 204', async () => {
    const created = await createGroup();
    const name = `Renamed ${randomUUID()}`;
    const res = await scim.call(
      'PATCH',
      `/Groups/${created.body.id}`,
      patchOp({ op: 'Replace', path: 'displayName', value: name }),
    );
    expect(res.status).toBe(204);
    expect((await scim.call('GET', `/Groups/${created.body.id}`)).body.displayName).toBe(name);
  });

  it('adds members and removes one by value without emptying the group (default job)', async () => {
    const { body } = await createGroup();
    const add = patchOp({ op: 'Add', path: 'members', value: userIds.map((value) => ({ $ref: null, value })) });
    expect((await scim.call('PATCH', `/Groups/${body.id}`, add)).status).toBe(204);
    expect(await memberIds(body.id)).toEqual([...userIds].sort());
    const remove = patchOp({ op: 'Remove', path: 'members', value: [{ $ref: null, value: userIds[0] }] });
    expect((await scim.call('PATCH', `/Groups/${body.id}`, remove)).status).toBe(204);
    expect(await memberIds(body.id)).toEqual([userIds[1], userIds[2]].sort());
    const member = await scim.call(
      'GET',
      `/Groups?filter=${encodeURIComponent(`id eq "${body.id}" and members eq "${userIds[1]}"`)}`,
    );
    expect(member.body.totalResults).toBe(1);
    const gone = await scim.call(
      'GET',
      `/Groups?filter=${encodeURIComponent(`id eq "${body.id}" and members eq "${userIds[0]}"`)}`,
    );
    expect(gone.body.totalResults).toBe(0);
  });

  it('removes a member by filter path (aadOptscim062020) and nets an add-then-remove to nothing', async () => {
    const { body } = await createGroup();
    await scim.call(
      'PATCH',
      `/Groups/${body.id}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: userIds[0] }] }),
    );
    const res = await scim.call(
      'PATCH',
      `/Groups/${body.id}`,
      patchOp(
        { op: 'remove', path: `members[value eq "${userIds[0]}"]` },
        { op: 'add', path: 'members', value: [{ value: userIds[1] }] },
        { op: 'remove', path: 'members', value: [{ value: userIds[1] }] },
      ),
    );
    expect(res.status).toBe(204);
    expect(await memberIds(body.id)).toEqual([]);
  });

  it('refuses a member that is not a user with 400 and changes nothing', async () => {
    const { body } = await createGroup();
    await scim.call(
      'PATCH',
      `/Groups/${body.id}`,
      patchOp({ op: 'add', path: 'members', value: [{ value: userIds[0] }] }),
    );
    const res = await scim.call(
      'PATCH',
      `/Groups/${body.id}`,
      patchOp(
        { op: 'Replace', path: 'displayName', value: 'should not stick' },
        { op: 'Add', path: 'members', value: [{ value: userIds[1] }, { value: randomUUID() }] },
      ),
    );
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidValue');
    const after = await scim.call('GET', `/Groups/${body.id}`);
    expect(after.body.displayName).toBe(body.displayName);
    expect(pluck(after.body.members, 'value')).toEqual([userIds[0]]);
  });

  it('drops the memberships of a deleted user', async () => {
    const user = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `leaver_${randomUUID()}` });
    const { body } = await createGroup();
    await scim.call(
      'PATCH',
      `/Groups/${body.id}`,
      patchOp({ op: 'Add', path: 'members', value: [{ value: user.body.id }] }),
    );
    await scim.call('DELETE', `/Users/${user.body.id}`);
    expect(await memberIds(body.id)).toEqual([]);
  });

  it('deletes a group with 204, then 404', async () => {
    const { body } = await createGroup();
    expect((await scim.call('DELETE', `/Groups/${body.id}`)).status).toBe(204);
    expect((await scim.call('DELETE', `/Groups/${body.id}`)).status).toBe(404);
    expect((await scim.call('GET', `/Groups/${body.id}`)).status).toBe(404);
  });
});
