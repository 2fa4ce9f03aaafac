import type { EntraSandbox } from '@joiner/entra-sandbox';
import { startEntraSandbox } from '@joiner/entra-sandbox';
import type { GraphDirectory } from '../../entra/graph-directory';
import { directoryFor, newUser } from './sandbox-directory';

/** The happy path of every operation, through the real Microsoft libraries over HTTPS to the Entra sandbox. */
describe('GraphDirectory against the Entra sandbox', () => {
  let sandbox: EntraSandbox;
  let directory: GraphDirectory;
  let logLines: string[];
  const opened: GraphDirectory[] = [];
  const tenant = () => ({ tenantId: sandbox.tenantId });
  const storedUser = (id: string) => sandbox.control.state().users[sandbox.tenantId]?.find((u) => u.id === id);
  const graphRequests = () => sandbox.control.requests().filter((r) => r.path.startsWith('/v1.0/'));

  beforeAll(async () => {
    sandbox = await startEntraSandbox({ control: true });
    ({ directory, logLines } = directoryFor(sandbox, {}, opened));
  });
  afterAll(async () => {
    await Promise.all(opened.map((d) => d.close()));
    await sandbox.close();
  });
  beforeEach(() => sandbox.control.reset());

  it('checks the connection and lists only the verified domains of the tenant', async () => {
    await expect(directory.checkConnection(tenant())).resolves.toBeUndefined();
    sandbox.control.setDomain(sandbox.tenantId, 'fabrikam.example', false);

    const domains = await directory.listVerifiedDomains(tenant());

    const names = domains.map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(sandbox.verifiedDomains));
    expect(names).not.toContain('fabrikam.example');
    expect(domains.filter((d) => d.isDefault)).toHaveLength(1);
    expect(domains.filter((d) => d.isInitial).map((d) => d.name)).toEqual([
      expect.stringMatching(/\.onmicrosoft\.com$/),
    ]);
  });

  it('creates an enabled user who must change a strong password at first sign-in', async () => {
    const input = newUser({ jobTitle: 'Engineer', companyName: 'Contoso AB', businessPhones: ['+46701234567'] });

    const { user, linked } = await directory.createUser(tenant(), input);

    expect(linked).toBe(false);
    expect(user).toMatchObject({
      userPrincipalName: input.userPrincipalName,
      displayName: input.displayName,
      accountEnabled: true,
    });
    const stored = storedUser(user.id)!;
    expect(stored.props).toMatchObject({
      accountEnabled: true,
      jobTitle: 'Engineer',
      companyName: 'Contoso AB',
      businessPhones: ['+46701234567'],
      passwordProfile: { forceChangePasswordNextSignIn: true },
    });
    expect(JSON.stringify(user)).not.toMatch(/password/i);
    expect(logLines.join('')).not.toMatch(/password"?\s*:/i);
  });

  it('finds a user by object id and by userPrincipalName, and answers null for an unknown one', async () => {
    const { user } = await directory.createUser(tenant(), newUser());

    await expect(directory.getUser(tenant(), user.id)).resolves.toMatchObject({ id: user.id });
    await expect(directory.getUser(tenant(), user.userPrincipalName)).resolves.toMatchObject({ id: user.id });
    await expect(directory.getUser(tenant(), 'nobody@contoso.com')).resolves.toBeNull();
  });

  it('patches only the given properties, clears nulls, and makes no call for an empty patch', async () => {
    const { user } = await directory.createUser(tenant(), newUser({ department: 'R&D', city: 'Stockholm' }));
    sandbox.control.clearRequests();

    await directory.updateUser(tenant(), user.id, { jobTitle: 'Lead', city: null, department: undefined });
    await directory.updateUser(tenant(), user.id, { department: undefined });

    expect(graphRequests().map((r) => r.method)).toEqual(['PATCH']);
    const read = await directory.getUser(tenant(), user.id);
    expect(read).toMatchObject({ jobTitle: 'Lead', department: 'R&D' });
    expect(read?.city ?? null).toBeNull();
  });

  it('sets and removes the manager, and removing an absent manager is not an error', async () => {
    const { user: manager } = await directory.createUser(tenant(), newUser());
    const { user } = await directory.createUser(tenant(), newUser());
    expect(storedUser(user.id)?.managerId).toBeNull();

    await directory.setManager(tenant(), user.id, manager.id);
    await directory.setManager(tenant(), user.id, manager.id);

    expect(storedUser(user.id)?.managerId).toBe(manager.id);
    await directory.removeManager(tenant(), user.id);
    expect(storedUser(user.id)?.managerId).toBeNull();
    await expect(directory.removeManager(tenant(), user.id)).resolves.toBeUndefined();
  });

  it('sets and clears employeeLeaveDateTime', async () => {
    const { user } = await directory.createUser(tenant(), newUser());

    await directory.setEmployeeLeaveDateTime(tenant(), user.id, '2027-03-31T23:59:59Z');
    expect(storedUser(user.id)!.props.employeeLeaveDateTime).toBe('2027-03-31T23:59:59Z');

    await directory.setEmployeeLeaveDateTime(tenant(), user.id, null);
    expect(storedUser(user.id)!.props.employeeLeaveDateTime ?? null).toBeNull();
  });

  it('disables and re-enables the account and revokes sign-in sessions', async () => {
    const { user } = await directory.createUser(tenant(), newUser());

    await directory.setAccountEnabled(tenant(), user.id, false);
    expect(storedUser(user.id)!.props.accountEnabled).toBe(false);
    await directory.setAccountEnabled(tenant(), user.id, true);
    expect(storedUser(user.id)!.props.accountEnabled).toBe(true);

    sandbox.control.clearRequests();
    await directory.revokeSignInSessions(tenant(), user.id);
    expect(graphRequests()).toEqual([
      expect.objectContaining({ method: 'POST', path: `/v1.0/users/${user.id}/revokeSignInSessions`, status: 200 }),
    ]);
  });

  it('deletes a user, and deleting it again is not an error', async () => {
    const { user } = await directory.createUser(tenant(), newUser());

    await directory.deleteUser(tenant(), user.id);
    await directory.deleteUser(tenant(), user.id);

    expect(storedUser(user.id)).toBeUndefined();
    await expect(directory.getUser(tenant(), user.id)).resolves.toBeNull();
  });

  it('creates every user of a burst of 300 concurrent creates exactly once', async () => {
    const inputs = Array.from({ length: 300 }, () => newUser());

    const results = await Promise.all(inputs.map((input) => directory.createUser(tenant(), input)));

    expect(results.filter((r) => r.linked)).toEqual([]);
    expect(new Set(results.map((r) => r.user.id)).size).toBe(300);
    expect(sandbox.control.state().users[sandbox.tenantId]).toHaveLength(300);
    // Correctness, not speed: the shared CI machine may be slow, so allow well beyond the idle 2-3 s.
  }, 120_000);

  it('fetches a token once per tenant and reuses it for later calls', async () => {
    await directory.getUser(tenant(), 'nobody@contoso.com');
    sandbox.control.clearRequests();

    await directory.getUser(tenant(), 'nobody@contoso.com');
    await directory.listVerifiedDomains(tenant());

    expect(sandbox.control.requests().filter((r) => r.path.includes('/oauth2/'))).toEqual([]);
  });

  it('never writes the client secret or an access token to its log', () => {
    const log = logLines.join('');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(sandbox.clientSecret);
    expect(log).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });
});
