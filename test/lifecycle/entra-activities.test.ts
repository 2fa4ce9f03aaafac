import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment as SdkMockActivityEnvironment } from '@temporalio/testing';
import type { Info } from '@temporalio/activity';
import { DefaultLogger } from '@temporalio/worker';
import { createEntraActivities } from '../../activities/entra-activities';
import { notFoundRetryAttempts } from '../../activities/entra-failure';
import type { EntraDirectory } from '../../entra/directory';
import type { NewGraphUser } from '../../domain/graph-mapping';
import { EntraError } from '../../entra/directory';
import { EntraErrorType } from '../../domain/entra-errors';
import { LifecyclePhase } from '../../domain/lifecycle-phase';

/** An EntraDirectory whose every method fails with the error the test chooses, or succeeds and counts calls. */
function directoryFailingWith(error: EntraError | null) {
  const calls: string[] = [];
  const handler: ProxyHandler<EntraDirectory> = {
    get:
      (_target, method: string) =>
      (...args: unknown[]) => {
        calls.push(method);
        if (error) return Promise.reject(error);
        if (method === 'listVerifiedDomains') {
          return Promise.resolve([{ name: 'Contoso.com', isDefault: true, isInitial: false }]);
        }
        if (method === 'createUser') {
          const user = args[1] as NewGraphUser;
          return Promise.resolve({
            user: { id: 'obj-1', userPrincipalName: user.userPrincipalName, jobTitle: 'Old title' },
            linked: true,
          });
        }
        return Promise.resolve(undefined);
      },
  };
  return { entra: new Proxy({} as EntraDirectory, handler), calls };
}

/** The SDK's mock environment with its logger quietened (every expected failure is logged as a warning). */
class MockActivityEnvironment extends SdkMockActivityEnvironment {
  constructor(info?: Partial<Info>) {
    super(info, { logger: new DefaultLogger('ERROR') });
  }
}

const connected = () => Promise.resolve({ tenantId: 'tenant-1' });
const newUser: NewGraphUser = {
  userPrincipalName: 'ada@contoso.com',
  displayName: 'Ada Lovelace',
  mailNickname: 'ada.lovelace',
};

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('Entra activities', () => {
  it('turns a 429 into a retryable failure that waits for Retry-After', async () => {
    const { entra } = directoryFailingWith(
      new EntraError(EntraErrorType.Throttled, 'slow down', { retryAfterMs: 7_500 }),
    );
    const activities = createEntraActivities(entra, { resolveTenant: connected });
    const failure = await failureOf(
      new MockActivityEnvironment().run(activities.updateEntraUser, {
        companyId: 'default',
        entraObjectId: 'obj-1',
        patch: { jobTitle: 'Engineer' },
      }),
    );
    expect(failure.type).toBe(EntraErrorType.Throttled);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(7_500);
  });

  it('refuses to retry a value Graph rejected and names the property', async () => {
    const { entra } = directoryFailingWith(
      new EntraError(EntraErrorType.InvalidValue, 'Invalid value specified for property companyName', {
        status: 400,
        property: 'companyName',
      }),
    );
    const activities = createEntraActivities(entra, { resolveTenant: connected });
    const failure = await failureOf(
      new MockActivityEnvironment().run(activities.updateEntraUser, {
        companyId: 'default',
        entraObjectId: 'obj-1',
        patch: { companyName: 'x'.repeat(80) },
      }),
    );
    expect(failure.nonRetryable).toBe(true);
    expect(failure.details?.[0]).toMatchObject({ property: 'companyName', status: 400 });
  });

  it('records the state a PATCH carries only once Graph has taken the patch', async () => {
    const record = {
      companyId: 'default',
      employeeId: 'emp_1',
      phase: LifecyclePhase.Active,
      pushed: null,
      lastError: null,
      reconciledVersion: 3,
    };
    const recorded: unknown[] = [];
    const store = {
      recordEmployeeState: (r: unknown) => Promise.resolve(void recorded.push(r)),
      linkEmployeeToEntraUser: () => Promise.reject(new Error('not linked here')),
    };
    const input = { companyId: 'default', entraObjectId: 'obj-1', patch: { jobTitle: 'Engineer' }, record };

    const refusing = directoryFailingWith(new EntraError(EntraErrorType.PermissionDenied, 'Insufficient privileges'));
    const refused = createEntraActivities(refusing.entra, { resolveTenant: connected, store });
    await failureOf(new MockActivityEnvironment().run(refused.updateEntraUser, input));
    expect(recorded).toEqual([]);

    const taking = directoryFailingWith(null);
    const activities = createEntraActivities(taking.entra, { resolveTenant: connected, store });
    expect(await new MockActivityEnvironment().run(activities.updateEntraUser, input)).toEqual({ recorded: true });
    expect(taking.calls).toEqual(['updateUser']);
    expect(recorded).toEqual([record]);
  });

  it('retries a 404 on a fresh object for a while (replication lag), then gives up', async () => {
    const { entra } = directoryFailingWith(new EntraError(EntraErrorType.NotFound, 'Resource does not exist'));
    const activities = createEntraActivities(entra, { resolveTenant: connected });
    const input = { companyId: 'default', entraObjectId: 'obj-1', managerEntraObjectId: 'obj-2' };
    const early = await failureOf(new MockActivityEnvironment({ attempt: 1 }).run(activities.setEntraManager, input));
    const late = await failureOf(
      new MockActivityEnvironment({ attempt: notFoundRetryAttempts }).run(activities.setEntraManager, input),
    );
    expect(early.nonRetryable).toBe(false);
    expect(late.nonRetryable).toBe(true);
  });

  it('fails as not connected, without calling Graph, when the company has no connection', async () => {
    const { entra, calls } = directoryFailingWith(null);
    const activities = createEntraActivities(entra, { resolveTenant: () => Promise.resolve(null) });
    const failure = await failureOf(
      new MockActivityEnvironment().run(activities.createEntraUser, {
        companyId: 'acme',
        employeeId: 'e1',
        user: newUser,
      }),
    );
    expect(failure.type).toBe(EntraErrorType.NotConnected);
    expect(failure.nonRetryable).toBe(true);
    expect(calls).toEqual([]);
  });

  it('bases the next diff of a linked user on the values Entra holds', async () => {
    const { entra } = directoryFailingWith(null);
    const activities = createEntraActivities(entra, { resolveTenant: connected });
    const created = await new MockActivityEnvironment().run(activities.createEntraUser, {
      companyId: 'default',
      employeeId: 'e1',
      user: { ...newUser, jobTitle: 'Engineer' },
    });
    expect(created).toEqual({
      entraObjectId: 'obj-1',
      userPrincipalName: 'ada@contoso.com',
      linked: true,
      fields: { jobTitle: 'Old title' },
    });
  });

  it('caches verified domains per tenant in lower case until asked to refresh', async () => {
    const { entra, calls } = directoryFailingWith(null);
    const activities = createEntraActivities(entra, { resolveTenant: connected });
    const env = new MockActivityEnvironment();
    expect(await env.run(activities.listVerifiedDomains, { companyId: 'default' })).toEqual(['contoso.com']);
    await env.run(activities.listVerifiedDomains, { companyId: 'default' });
    await env.run(activities.listVerifiedDomains, { companyId: 'default', refresh: true });
    expect(calls.filter((c) => c === 'listVerifiedDomains')).toHaveLength(2);
  });

  it('makes no Graph call for an empty patch', async () => {
    const { entra, calls } = directoryFailingWith(null);
    const activities = createEntraActivities(entra, { resolveTenant: connected });
    await new MockActivityEnvironment().run(activities.updateEntraUser, {
      companyId: 'default',
      entraObjectId: 'obj-1',
      patch: {},
    });
    expect(calls).toEqual([]);
  });
});
