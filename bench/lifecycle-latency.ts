/**
 * HR change → Graph write latency at a steady rate (target, docs/benchmarks.md: p50 < 1 s, p95 < 2 s at 50 changes/s): the time
 * from posting a webhook to the emulator serving the PATCH it causes, for one change per employee at a time.
 */
import { hrEvent, percentile, sleep, startRig } from './lifecycle-rig';

export interface LatencyResult {
  ratePerSecond: number;
  durationSeconds: number;
  employees: number;
  changes: number;
  observed: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  throttled: number;
}

export async function runLatencyBench(
  options: { ratePerSecond?: number; durationSeconds?: number; employees?: number } = {},
) {
  const rate = options.ratePerSecond ?? 50;
  const duration = options.durationSeconds ?? 30;
  const employeeCount = options.employees ?? 250;
  const rig = await startRig();
  try {
    const ids = Array.from({ length: employeeCount }, (_, i) => `emp_lat_${String(i).padStart(4, '0')}`);
    const versions = new Map<string, number>();
    const employee = (id: string, title: string) => {
      const version = (versions.get(id) ?? 0) + 1;
      versions.set(id, version);
      return { id, version, firstName: 'Lat', lastName: id.slice(-4), workEmail: `${id}@contoso.com`, title };
    };
    for (const id of ids) await rig.post(hrEvent('employee.onboarded', employee(id, 'start')));
    const byUpn = new Map<string, string>();
    for (let waited = 0; byUpn.size < employeeCount; waited++) {
      if (waited > 600) throw new Error(`only ${byUpn.size} of ${employeeCount} users were created`);
      await sleep(500);
      for (const u of rig.entra.control.state().users[rig.entra.tenantId] ?? []) {
        byUpn.set(String(u.props.userPrincipalName), u.id);
      }
    }
    await sleep(2_000);
    rig.entra.control.clearRequests();

    const sent = new Map<string, number[]>();
    const total = rate * duration;
    const start = Date.now();
    const posts: Promise<number>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - Date.now();
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

    const patches = () =>
      rig.entra.control
        .requests()
        .filter((r) => r.method === 'PATCH' && r.status === 204 && r.path.startsWith('/v1.0/users/'));
    const deadline = Date.now() + 60_000;
    while (patches().length < total && Date.now() < deadline) await sleep(250);

    const latencies: number[] = [];
    for (const entry of patches()) {
      const userId = entry.path.split('/')[3]!;
      const sentAt = sent.get(userId)?.shift();
      if (sentAt !== undefined) latencies.push(Date.parse(entry.at) - sentAt);
    }
    latencies.sort((a, b) => a - b);
    const throttled = rig.entra.control.requests().filter((r) => r.status === 429).length;
    const result: LatencyResult = {
      ratePerSecond: rate,
      durationSeconds: duration,
      employees: employeeCount,
      changes: total,
      observed: latencies.length,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? NaN,
      throttled,
    };
    return result;
  } finally {
    await rig.close();
  }
}
