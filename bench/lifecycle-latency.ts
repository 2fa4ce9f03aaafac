/**
 * HR change → Graph write latency at a steady rate (docs/benchmarks.md; target p50 < 1 s, p95 < 2 s at 50 changes/s
 * for 30 s, every change seen): the time from posting a webhook to `joiner api` to the Entra stand-in serving the
 * PATCH it causes, one change per employee at a time. `--quick`: 10 s over 100 employees.
 */
import { percentile, runBenchmark } from './lib/result';
import { hrEvent, sleep, startRig } from '../test/deployment/rig';

runBenchmark('lifecycle-latency', async ({ quick, row }) => {
  const rate = 50;
  const duration = quick ? 10 : 30;
  const employeeCount = quick ? 100 : 250;
  const rig = await startRig();
  try {
    const ids = Array.from({ length: employeeCount }, (_, i) => `emp_lat_${String(i).padStart(4, '0')}`);
    const versions = new Map<string, number>();
    const employee = (id: string, title: string) => {
      const version = (versions.get(id) ?? 0) + 1;
      versions.set(id, version);
      return { id, version, firstName: 'Lat', lastName: id.slice(-4), workEmail: `${id}@contoso.com`, title };
    };
    for (const id of ids) {
      const status = await rig.post(hrEvent('employee.onboarded', employee(id, 'start')));
      if (status !== 202) throw new Error(`onboarding ${id} answered ${status}`);
    }
    const byUpn = new Map<string, string>();
    const created = Date.now() + 5 * 60_000;
    while (byUpn.size < employeeCount) {
      if (Date.now() > created) throw new Error(`only ${byUpn.size} of ${employeeCount} users were created`);
      await sleep(500);
      for (const u of await rig.users()) byUpn.set(String(u.props.userPrincipalName), u.id);
    }
    // Let the onboarding's trailing writes (hire date, manager) settle before measuring.
    await sleep(2_000);
    await rig.clearRequests();

    const sent = new Map<string, number[]>();
    const total = rate * duration;
    const start = Date.now();
    const posts: Promise<number>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = start + (i * 1000) / rate - Date.now();
      if (wait > 0) await sleep(wait);
      const id = ids[i % employeeCount]!;
      const userId = byUpn.get(`${id}@contoso.com`)!;
      const queue = sent.get(userId) ?? [];
      queue.push(Date.now());
      sent.set(userId, queue);
      posts.push(rig.post(hrEvent('employee.updated', employee(id, `title ${i}`))));
    }
    const statuses = await Promise.all(posts);
    const rejected = statuses.filter((s) => s !== 202).length;
    if (rejected > 0) throw new Error(`${rejected} webhooks were not accepted`);

    const patches = async () =>
      (await rig.requests()).filter(
        (r) => r.method === 'PATCH' && r.status === 204 && r.path.startsWith('/v1.0/users/'),
      );
    // A change not written a minute after the last one was sent counts as not seen.
    const deadline = Date.now() + 60_000;
    let seen = await patches();
    while (seen.length < total && Date.now() < deadline) {
      await sleep(1000);
      seen = await patches();
    }
    const latencies: number[] = [];
    for (const entry of seen) {
      const sentAt = sent.get(entry.path.split('/')[3]!)?.shift();
      if (sentAt !== undefined) latencies.push(Date.parse(entry.at) - sentAt);
    }
    latencies.sort((a, b) => a - b);
    const what = `${rate} changes/s for ${duration} s`;
    row({ what: `${what}: changes seen`, value: latencies.length, unit: `of ${total}`, target: { atLeast: total } });
    row({ what: `${what}: p50`, value: percentile(latencies, 50), unit: 'ms', target: { below: 1000 } });
    row({ what: `${what}: p95`, value: percentile(latencies, 95), unit: 'ms', target: { below: 2000 } });
    row({ what: `${what}: p99`, value: percentile(latencies, 99), unit: 'ms' });
    row({
      what: `${what}: answered 429`,
      value: (await rig.requests()).filter((r) => r.status === 429).length,
      unit: 'requests',
    });
  } finally {
    await rig.close();
  }
});
