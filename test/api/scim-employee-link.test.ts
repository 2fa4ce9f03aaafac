/** A SCIM user that matches an HR employee is linked to it, and its Entra object id is handed to HR → Entra. */
import { randomUUID } from 'node:crypto';
import { ScimUrn } from '../../domain/scim/constants';
import { getEmployee, setEmployeeEntraObjectId } from '../../store/employees';
import { acceptHrEvent } from '../../store/hr-events';
import { scimUsers } from '../../store/schema';
import { eq } from 'drizzle-orm';
import { describeEachDatabase } from '../helpers/databases';
import { hrEmployee } from '../store/fixtures';
import { startScimEndpoint, type ScimEndpoint } from './scim-harness';

describeEachDatabase('linking SCIM users to HR employees', (getDb) => {
  let scim: ScimEndpoint;
  beforeAll(async () => {
    scim = await startScimEndpoint(getDb());
  });
  afterAll(() => scim.close());

  async function hireEmployee(workEmail: string): Promise<string> {
    const id = `emp_${randomUUID().slice(0, 8)}`;
    const result = await acceptHrEvent(getDb(), {
      companyId: scim.companyId,
      eventId: `evt_${id}`,
      type: 'employee.created',
      occurredAt: new Date(),
      employee: hrEmployee({ id, version: 1, workEmail }),
    });
    if (result.outcome !== 'accepted') throw new Error(result.outcome);
    return id;
  }

  async function linkedEmployeeOf(scimUserId: string) {
    const [row] = await getDb().select().from(scimUsers).where(eq(scimUsers.id, scimUserId));
    return row?.employeeId ?? null;
  }

  it('links by work email, stores the Entra object id on the employee and signals its workflow', async () => {
    const email = `ada.${randomUUID().slice(0, 6)}@contoso.com`;
    const employeeId = await hireEmployee(email);
    const objectId = randomUUID();
    const res = await scim.call('POST', '/Users', {
      schemas: [ScimUrn.User],
      userName: `someone.else.${randomUUID().slice(0, 6)}@contoso.onmicrosoft.com`,
      externalId: objectId,
      emails: [{ type: 'work', primary: 'True', value: email.toUpperCase() }],
    });
    expect(res.status).toBe(201);
    expect(await linkedEmployeeOf(res.body.id)).toBe(employeeId);
    expect((await getEmployee(getDb(), scim.companyId, employeeId))?.entraObjectId).toBe(objectId);
    expect(scim.events).toContainEqual({
      kind: 'entraObjectLinked',
      companyId: scim.companyId,
      employeeId,
      signal: { entraObjectId: objectId, scimUserId: res.body.id, userName: res.body.userName },
    });
    expect(scim.events).toContainEqual(
      expect.objectContaining({
        kind: 'account',
        scimUserId: res.body.id,
        account: expect.objectContaining({ employeeId }),
      }),
    );
  });

  it('links by userName when it is the work address, without a handoff when externalId is not an object id', async () => {
    const email = `grace.${randomUUID().slice(0, 6)}@contoso.com`;
    const employeeId = await hireEmployee(email);
    const res = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: email, externalId: 'grace' });
    expect(await linkedEmployeeOf(res.body.id)).toBe(employeeId);
    expect((await getEmployee(getDb(), scim.companyId, employeeId))?.entraObjectId).toBeNull();
    expect(scim.events.some((e) => e.kind === 'entraObjectLinked' && e.employeeId === employeeId)).toBe(false);
  });

  it('links a user created before the match once a PATCH gives it the address', async () => {
    const email = `linus.${randomUUID().slice(0, 6)}@contoso.com`;
    const employeeId = await hireEmployee(email);
    const created = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `tmp_${randomUUID()}` });
    expect(await linkedEmployeeOf(created.body.id)).toBeNull();
    await scim.call('PATCH', `/Users/${created.body.id}`, {
      schemas: [ScimUrn.PatchOp],
      Operations: [{ op: 'Add', path: 'emails[type eq "work"].value', value: email }],
    });
    expect(await linkedEmployeeOf(created.body.id)).toBe(employeeId);
  });

  it('links a user at its next write, whatever it changes, once an employee with its address is hired', async () => {
    const email = `late.${randomUUID().slice(0, 6)}@contoso.com`;
    const objectId = randomUUID();
    const created = await scim.call('POST', '/Users', {
      schemas: [ScimUrn.User],
      userName: email,
      externalId: objectId,
    });
    expect(await linkedEmployeeOf(created.body.id)).toBeNull();
    const employeeId = await hireEmployee(email);
    const res = await scim.call('PATCH', `/Users/${created.body.id}`, {
      schemas: [ScimUrn.PatchOp],
      Operations: [{ op: 'Replace', path: 'title', value: 'Engineer' }],
    });
    expect(res.body.meta.version).toBe('W/"2"');
    expect(await linkedEmployeeOf(created.body.id)).toBe(employeeId);
    expect((await getEmployee(getDb(), scim.companyId, employeeId))?.entraObjectId).toBe(objectId);
    expect(scim.events).toContainEqual({
      kind: 'entraObjectLinked',
      companyId: scim.companyId,
      employeeId,
      signal: { entraObjectId: objectId, scimUserId: created.body.id, userName: email },
    });
    expect(scim.events.filter((e) => e.kind === 'account' && e.scimUserId === created.body.id).at(-1)).toMatchObject({
      account: { version: 2, employeeId },
    });
  });

  it('hands the Entra object id to the employee when a linked user gets one as its externalId', async () => {
    const email = `anchor.${randomUUID().slice(0, 6)}@contoso.com`;
    const employeeId = await hireEmployee(email);
    const created = await scim.call('POST', '/Users', {
      schemas: [ScimUrn.User],
      userName: email,
      externalId: 'anchor',
    });
    expect(await linkedEmployeeOf(created.body.id)).toBe(employeeId);
    const objectId = randomUUID();
    await scim.call('PATCH', `/Users/${created.body.id}`, {
      schemas: [ScimUrn.PatchOp],
      Operations: [{ op: 'Replace', path: 'externalId', value: objectId }],
    });
    expect((await getEmployee(getDb(), scim.companyId, employeeId))?.entraObjectId).toBe(objectId);
    expect(scim.events).toContainEqual({
      kind: 'entraObjectLinked',
      companyId: scim.companyId,
      employeeId,
      signal: { entraObjectId: objectId, scimUserId: created.body.id, userName: email },
    });
  });

  it('never replaces an Entra object id the employee already has', async () => {
    const email = `kept.${randomUUID().slice(0, 6)}@contoso.com`;
    const employeeId = await hireEmployee(email);
    const existing = randomUUID();
    await setEmployeeEntraObjectId(getDb(), scim.companyId, employeeId, existing);
    await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: email, externalId: randomUUID() });
    expect((await getEmployee(getDb(), scim.companyId, employeeId))?.entraObjectId).toBe(existing);
  });

  it('leaves a user unlinked when two employees share its address', async () => {
    const email = `shared.${randomUUID().slice(0, 6)}@contoso.com`;
    await hireEmployee(email);
    await hireEmployee(email);
    const res = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: email });
    expect(res.status).toBe(201);
    expect(await linkedEmployeeOf(res.body.id)).toBeNull();
  });
});
