/** The Graph metrics move with real calls through the Microsoft libraries to the Entra sandbox. */
import type { EntraSandbox } from '@joiner/entra-sandbox';
import { startEntraSandbox } from '@joiner/entra-sandbox';
import type { GraphDirectory } from '../../entra/graph-directory';
import { metricsRegistry } from '../../observability/metrics';
import { directoryFor } from './sandbox-directory';

async function value(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric(name)!.get();
  const match = metric.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return match?.value ?? 0;
}

describe('Graph metrics', () => {
  let sandbox: EntraSandbox;
  let directory: GraphDirectory;
  const opened: GraphDirectory[] = [];
  const tenant = () => ({ tenantId: sandbox.tenantId });

  beforeAll(async () => {
    sandbox = await startEntraSandbox({ control: true });
    ({ directory } = directoryFor(sandbox, {}, opened));
  });
  afterAll(async () => {
    await Promise.all(opened.map((d) => d.close()));
    await sandbox.close();
  });
  beforeEach(() => sandbox.control.reset());

  it('counts calls by operation and outcome', async () => {
    const ok = await value('joiner_graph_calls_total', { operation: 'getUser', outcome: 'ok' });
    await directory.getUser(tenant(), 'nobody@contoso.com');
    expect(await value('joiner_graph_calls_total', { operation: 'getUser', outcome: 'ok' })).toBe(ok + 1);
  });

  it('counts a throttled call and the wait Graph asked for, and a wait slept through in-process', async () => {
    const throttled = { operation: 'getUser', outcome: 'EntraThrottled' };
    const before = await value('joiner_graph_calls_total', throttled);
    const waited = await value('joiner_graph_throttle_wait_seconds_total', { source: 'graph' });
    const waits = await value('joiner_graph_throttle_waits_total', { source: 'graph' });

    sandbox.control.addFault({ kind: 'throttle', retryAfterSeconds: 2.5, path: '^/v1\\.0/users' });
    await expect(directory.getUser(tenant(), 'nobody@contoso.com')).rejects.toThrow();
    sandbox.control.reset();
    sandbox.control.addFault({ kind: 'throttle', retryAfterSeconds: 0.2, path: '^/v1\\.0/users' });
    await expect(directory.getUser(tenant(), 'nobody@contoso.com')).resolves.toBeNull();

    expect(await value('joiner_graph_calls_total', throttled)).toBe(before + 1);
    expect(await value('joiner_graph_throttle_waits_total', { source: 'graph' })).toBe(waits + 2);
    expect(await value('joiner_graph_throttle_wait_seconds_total', { source: 'graph' })).toBeCloseTo(waited + 2.7, 5);
  });
});
