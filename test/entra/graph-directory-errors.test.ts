import type { EntraSandbox } from '@joiner/entra-sandbox';
import { defaultAppPermissions, startEntraSandbox } from '@joiner/entra-sandbox';
import { EntraErrorType } from '../../domain/entra-errors';
import type { GraphDirectory } from '../../entra/graph-directory';
import { directoryFor, entraErrorOf, newUser } from './sandbox-directory';

/** Each EntraError type, provoked at the Entra sandbox and seen through the real Microsoft libraries. */
describe('GraphDirectory error mapping against the Entra sandbox', () => {
  let sandbox: EntraSandbox;
  let directory: GraphDirectory;
  let logLines: string[];
  const opened: GraphDirectory[] = [];
  const tenant = () => ({ tenantId: sandbox.tenantId });
  const users = () => sandbox.control.state().users[sandbox.tenantId] ?? [];

  beforeAll(async () => {
    sandbox = await startEntraSandbox({ control: true });
    ({ directory, logLines } = directoryFor(sandbox, {}, opened));
  });
  afterAll(async () => {
    await Promise.all(opened.map((d) => d.close()));
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.control.reset();
    // Tokens carry the roles granted when issued: start every test with a token for the reset permissions.
    directory.forgetTenant(tenant());
  });

  describe('throttled', () => {
    it('reports a 429 with its fractional Retry-After when the wait is too long to sleep through', async () => {
      sandbox.control.addFault({ kind: 'throttle', retryAfterSeconds: 2.5, path: '^/v1\\.0/users' });

      const error = await entraErrorOf(() => directory.getUser(tenant(), 'nobody@contoso.com'));

      expect(error.type).toBe(EntraErrorType.Throttled);
      expect(error.details).toMatchObject({ status: 429, retryAfterMs: 2500 });
    });

    it('absorbs a short Retry-After in-process, so the caller sees the call succeed', async () => {
      sandbox.control.addFault({ kind: 'throttle', retryAfterSeconds: 0.2, path: '^/v1\\.0/users' });

      await expect(directory.getUser(tenant(), 'nobody@contoso.com')).resolves.toBeNull();

      const attempts = sandbox.control.requests().filter((r) => r.path.startsWith('/v1.0/users'));
      expect(attempts.map((r) => r.status)).toEqual([429, 404]);
    });

    it('reports a 503 with Retry-After as throttled', async () => {
      sandbox.control.addFault({ kind: 'error', status: 503, retryAfterSeconds: 3, path: '^/v1\\.0/users' });

      const error = await entraErrorOf(() => directory.getUser(tenant(), 'nobody@contoso.com'));

      expect(error.type).toBe(EntraErrorType.Throttled);
      expect(error.details).toMatchObject({ status: 503, retryAfterMs: 3000 });
    });

    it('reports the write budget running out with the wait the budget needs', async () => {
      sandbox.control.updateSettings({ throttling: { appWritesPerWindow: 2, appWriteWindowMs: 60_000 } });
      const { user } = await directory.createUser(tenant(), newUser());
      await directory.updateUser(tenant(), user.id, { jobTitle: 'Engineer' });

      const error = await entraErrorOf(() => directory.updateUser(tenant(), user.id, { jobTitle: 'Lead' }));

      expect(error.type).toBe(EntraErrorType.Throttled);
      expect(error.details.retryAfterMs).toBeGreaterThan(1000);
      expect(error.details.retryAfterMs).toBeLessThanOrEqual(60_000);
    });
  });

  describe('transient', () => {
    it.each([500, 502, 504])('reports a %i as transient', async (status) => {
      sandbox.control.addFault({ kind: 'error', status, path: '^/v1\\.0/users' });

      const error = await entraErrorOf(() => directory.getUser(tenant(), 'nobody@contoso.com'));

      expect(error.type).toBe(EntraErrorType.Transient);
      expect(error.details.status).toBe(status);
    });

    it('reports a connection closed without a response as transient', async () => {
      sandbox.control.addFault({ kind: 'drop', path: '^/v1\\.0/users' });

      const error = await entraErrorOf(() => directory.getUser(tenant(), 'nobody@contoso.com'));

      expect(error.type).toBe(EntraErrorType.Transient);
      expect(error.details.status).toBe(-1);
    });

    it('reports an identity platform outage at the token endpoint as transient, not as a lost connection', async () => {
      sandbox.control.addFault({ kind: 'error', status: 503, count: 5, path: '/oauth2/v2\\.0/token$' });

      const error = await entraErrorOf(() => directory.getUser(tenant(), 'nobody@contoso.com'));

      expect(error.type).toBe(EntraErrorType.Transient);
      expect(sandbox.control.requests().some((r) => r.path.startsWith('/v1.0/'))).toBe(false);
    });

    it('gives up on a slow Graph after the request timeout and reports it as transient', async () => {
      const { directory: impatient } = directoryFor(sandbox, { requestTimeoutMs: 300 }, opened);
      // Get the token first (the timeout also covers fetching one), however slow this shared machine is right now.
      for (let warm = false, attempt = 0; !warm && attempt < 20; attempt++) {
        warm = await impatient.getUser(tenant(), 'nobody@contoso.com').then(
          () => true,
          () => false,
        );
      }
      sandbox.control.updateSettings({ latencyMs: 2000 });

      const error = await entraErrorOf(() => impatient.getUser(tenant(), 'nobody@contoso.com'));

      expect(error.type).toBe(EntraErrorType.Transient);
      expect(error.message).toMatch(/timed out/);
    });
  });

  describe('not found', () => {
    it('reports a write to an unknown user as not found', async () => {
      const error = await entraErrorOf(() =>
        directory.updateUser(tenant(), '00000000-0000-0000-0000-000000000000', { jobTitle: 'Engineer' }),
      );

      expect(error.type).toBe(EntraErrorType.NotFound);
      expect(error.details.status).toBe(404);
    });

    it('does not see a user right after its create while replication lags, and sees it afterwards', async () => {
      // Far longer than the create and read take on any machine, so that the read cannot come after the lag.
      sandbox.control.updateSettings({ replicationLagMs: 3_600_000 });
      const { user } = await directory.createUser(tenant(), newUser());

      await expect(directory.getUser(tenant(), user.id)).resolves.toBeNull();

      // The stand-in measures the lag from the create at each read: a lag shorter than the time since has passed.
      sandbox.control.updateSettings({ replicationLagMs: 1 });
      await expect(directory.getUser(tenant(), user.id)).resolves.toMatchObject({ id: user.id });
    });

    it('asks for a retry when a duplicate create cannot read the existing user yet', async () => {
      sandbox.control.updateSettings({ replicationLagMs: 60_000 });
      const input = newUser();
      await directory.createUser(tenant(), input);

      const error = await entraErrorOf(() => directory.createUser(tenant(), input));

      expect(error.type).toBe(EntraErrorType.NotFound);
      expect(error.message).toMatch(/replication/);
      expect(users()).toHaveLength(1);
    });
  });

  describe('conflict and linking', () => {
    it('links the existing user when the userPrincipalName is taken', async () => {
      const input = newUser();
      const first = await directory.createUser(tenant(), input);

      const second = await directory.createUser(tenant(), { ...input, displayName: 'Someone Else' });

      expect(second).toEqual({ user: expect.objectContaining({ id: first.user.id }), linked: true });
      expect(users()).toHaveLength(1);
    });

    it('links on retry when the create was applied but its response was lost', async () => {
      sandbox.control.addFault({ kind: 'drop', method: 'POST', path: '^/v1\\.0/users$' });
      const input = newUser();

      const lost = await entraErrorOf(() => directory.createUser(tenant(), input));
      expect(lost.type).toBe(EntraErrorType.Transient);
      const retried = await directory.createUser(tenant(), input);

      expect(retried.linked).toBe(true);
      expect(retried.user.userPrincipalName).toBe(input.userPrincipalName);
      expect(users()).toHaveLength(1);
    });

    it('reports a mail address another user holds as a conflict on proxyAddresses', async () => {
      const taken = newUser();
      await directory.createUser(tenant(), taken);

      const error = await entraErrorOf(() => directory.createUser(tenant(), newUser({ mail: taken.mail })));

      expect(error.type).toBe(EntraErrorType.Conflict);
      expect(error.details.property).toBe('proxyAddresses');
      expect(users()).toHaveLength(1);
    });
  });

  describe('invalid value', () => {
    it('names employeeLeaveDateTime when it is a bare date', async () => {
      const { user } = await directory.createUser(tenant(), newUser());

      const error = await entraErrorOf(() => directory.setEmployeeLeaveDateTime(tenant(), user.id, '2027-03-31'));

      expect(error.type).toBe(EntraErrorType.InvalidValue);
      expect(error.details.property).toBe('employeeLeaveDateTime');
      expect(error.message).toContain('2027-03-31');
    });

    it('names companyName when it is longer than Graph allows', async () => {
      const { user } = await directory.createUser(tenant(), newUser());

      const error = await entraErrorOf(() =>
        directory.updateUser(tenant(), user.id, { jobTitle: 'Engineer', companyName: 'C'.repeat(65) }),
      );

      expect(error.type).toBe(EntraErrorType.InvalidValue);
      expect(error.details.property).toBe('companyName');
      expect((await directory.getUser(tenant(), user.id))?.jobTitle ?? null).toBeNull();
    });

    it('names userPrincipalName when its domain is not verified in the tenant', async () => {
      const error = await entraErrorOf(() =>
        directory.createUser(tenant(), newUser({ userPrincipalName: 'ada@unverified.example' })),
      );

      expect(error.type).toBe(EntraErrorType.InvalidValue);
      expect(error.details.property).toBe('userPrincipalName');
      expect(users()).toHaveLength(0);
    });
  });

  describe('permission denied', () => {
    it('names User-LifeCycleInfo.ReadWrite.All when the app may not set employeeLeaveDateTime', async () => {
      const { user } = await directory.createUser(tenant(), newUser());
      sandbox.control.setPermissions(
        sandbox.tenantId,
        defaultAppPermissions.filter((p) => p !== 'User-LifeCycleInfo.ReadWrite.All'),
      );
      // A new process gets a new token, which carries the reduced permissions.
      const { directory: restarted } = directoryFor(sandbox, {}, opened);

      const error = await entraErrorOf(() =>
        restarted.setEmployeeLeaveDateTime(tenant(), user.id, '2027-03-31T23:59:59Z'),
      );

      expect(error.type).toBe(EntraErrorType.PermissionDenied);
      expect(error.details).toMatchObject({ status: 403, permission: 'User-LifeCycleInfo.ReadWrite.All' });
      expect(error.message).toContain('User-LifeCycleInfo.ReadWrite.All');
    });

    it('names User.EnableDisableAccount.All when the app may not disable accounts', async () => {
      const { user } = await directory.createUser(tenant(), newUser());
      sandbox.control.setPermissions(sandbox.tenantId, ['User.Read.All', 'Organization.Read.All']);
      directory.forgetTenant(tenant());

      const error = await entraErrorOf(() => directory.setAccountEnabled(tenant(), user.id, false));

      expect(error.type).toBe(EntraErrorType.PermissionDenied);
      expect(error.details.permission).toBe('User.EnableDisableAccount.All');
    });

    it('names Organization.Read.All when the connection check may not read the organization', async () => {
      await directory.checkConnection(tenant());
      sandbox.control.setPermissions(sandbox.tenantId, ['User.Read.All', 'User.ReadWrite.All']);

      const error = await entraErrorOf(() => directory.checkConnection(tenant()));

      expect(error.type).toBe(EntraErrorType.PermissionDenied);
      expect(error.details.permission).toBe('Organization.Read.All');
    });
  });

  describe('not connected', () => {
    it('reports a tenant that never consented with AADSTS7000229', async () => {
      const error = await entraErrorOf(() => directory.checkConnection({ tenantId: sandbox.unconsentedTenantId }));

      expect(error.type).toBe(EntraErrorType.NotConnected);
      expect(error.details.code).toBe('AADSTS7000229');
      expect(error.message).toMatch(/consent/);
    });

    it('notices revoked consent at the next connection check, despite a cached token', async () => {
      await directory.checkConnection(tenant());
      sandbox.control.setPermissions(sandbox.tenantId, null);

      const error = await entraErrorOf(() => directory.checkConnection(tenant()));

      expect(error.type).toBe(EntraErrorType.NotConnected);
      expect(error.details.code).toBe('AADSTS7000229');
    });

    it('reports a wrong client secret without revealing it', async () => {
      const wrongSecret = 'not-the-secret-~1234567890';
      const { directory: misconfigured, logLines: lines } = directoryFor(
        sandbox,
        { clientSecret: wrongSecret },
        opened,
      );

      const error = await entraErrorOf(() => misconfigured.getUser(tenant(), 'nobody@contoso.com'));

      expect(error.type).toBe(EntraErrorType.NotConnected);
      expect(error.details.code).toBe('AADSTS7000215');
      expect(error.message).not.toContain(wrongSecret);
      expect(lines.join('')).not.toContain(wrongSecret);
    });

    it('reports an unknown application with AADSTS700016', async () => {
      const { directory: misconfigured } = directoryFor(
        sandbox,
        { clientId: '11111111-2222-3333-4444-555555555555' },
        opened,
      );

      const error = await entraErrorOf(() => misconfigured.checkConnection(tenant()));

      expect(error.type).toBe(EntraErrorType.NotConnected);
      expect(error.details.code).toBe('AADSTS700016');
    });

    it('reports an unknown tenant with AADSTS90002', async () => {
      const error = await entraErrorOf(() =>
        directory.getUser({ tenantId: '99999999-8888-7777-6666-555555555555' }, 'nobody@contoso.com'),
      );

      expect(error.type).toBe(EntraErrorType.NotConnected);
      expect(error.details.code).toBe('AADSTS90002');
    });

    it('reports an untrusted certificate as a connection problem, not a hot retry', async () => {
      const { directory: untrusting } = directoryFor(sandbox, { caCertificate: undefined }, opened);

      const error = await entraErrorOf(() => untrusting.checkConnection(tenant()));

      expect(error.type).toBe(EntraErrorType.NotConnected);
      expect(error.message).toMatch(/certificate/);
    });
  });

  it('logs a failed Graph call with ids and codes, never the userPrincipalName, mail or name it concerned', async () => {
    const taken = newUser();
    const { user } = await directory.createUser(tenant(), taken);
    const clash = newUser({ mail: taken.mail, displayName: 'Grace Hopper' });
    const from = logLines.length;

    await entraErrorOf(() => directory.createUser(tenant(), clash));
    await entraErrorOf(() =>
      directory.createUser(tenant(), newUser({ userPrincipalName: 'grace@unverified.example' })),
    );
    sandbox.control.addFault({ kind: 'error', status: 503, retryAfterSeconds: 3, path: '^/v1\\.0/users' });
    await entraErrorOf(() => directory.getUser(tenant(), taken.userPrincipalName));
    await entraErrorOf(() => directory.updateUser(tenant(), user.id, { companyName: 'C'.repeat(65) }));

    const warnings = logLines.slice(from).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(warnings.map((w) => [w.msg, w.operation, w.type])).toEqual([
      ['Graph call failed', 'createUser', EntraErrorType.Conflict],
      ['Graph call failed', 'createUser', EntraErrorType.InvalidValue],
      ['Graph call failed', 'getUser', EntraErrorType.Throttled],
      ['Graph call failed', 'updateUser', EntraErrorType.InvalidValue],
    ]);
    expect(warnings.every((w) => w.tenantId === sandbox.tenantId)).toBe(true);
    expect(warnings[3]).toMatchObject({ userId: user.id, property: 'companyName' });
    const log = logLines.slice(from).join('');
    for (const personal of [
      taken.userPrincipalName,
      taken.mail,
      taken.mailNickname,
      taken.displayName,
      'Grace',
      'grace@',
    ]) {
      expect(log).not.toContain(personal);
    }
  });

  it('never writes the client secret or an access token to its log, even when calls fail', () => {
    const log = logLines.join('');
    expect(log).toContain('EntraThrottled');
    expect(log).not.toContain(sandbox.clientSecret);
    expect(log).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
  });
});
