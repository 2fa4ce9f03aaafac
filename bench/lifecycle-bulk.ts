/**
 * Bulk onboarding at Graph's write budget (docs/benchmarks.md): 1,000 new employees (200 with `--quick`) posted at
 * once, the Entra stand-in enforcing 20 app writes per second (Graph's 3,000 per 150 s; 300 per 15 s for the quick
 * run, so that it spans windows too) and Joiner's worker pacing to GRAPH_WRITES_PER_SECOND=20. Targets: one write per
 * employee, done within 1.10 × the budget's own time (employees / 20 s, the anchor), at most 1 % answered 429.
 */
import { runBenchmark } from './lib/result';
import { hrEvent, sleep, startRig } from '../test/deployment/rig';

const hireDate = '2027-01-04';
const writesPerSecond = 20;

runBenchmark('lifecycle-bulk', async ({ quick, row }) => {
  const count = quick ? 200 : 1000;
  const windowMs = quick ? 15_000 : 150_000;
  const rig = await startRig({
    budget: { writes: (writesPerSecond * windowMs) / 1000, windowMs },
    writesPerSecond,
  });
  try {
    const start = Date.now();
    let next = 0;
    const poster = async () => {
      while (next < count) {
        const i = next++;
        const id = `emp_bulk_${String(i).padStart(5, '0')}`;
        const status = await rig.post(
          hrEvent('employee.onboarded', {
            id,
            version: 1,
            firstName: 'Bulk',
            lastName: `N${i}`,
            workEmail: `${id}@contoso.com`,
            hireDate,
          }),
        );
        if (status !== 202) throw new Error(`webhook for ${id} answered ${status}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, poster));

    // Done when every user exists with its hire date.
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      const users = await rig.users();
      const complete = users.filter(
        (u) => typeof u.props.employeeHireDate === 'string' && u.props.employeeHireDate.startsWith(hireDate),
      ).length;
      if (complete >= count) break;
      if (Date.now() > deadline) throw new Error(`only ${complete} of ${count} employees were onboarded`);
      await sleep(1000);
    }
    const log = await rig.requests();
    const graph = log.filter((r) => r.method !== 'GET' && r.path.startsWith('/v1.0/'));
    const writes = graph.filter((r) => r.status < 300);
    const throttled = log.filter((r) => r.status === 429).length;
    const lastWrite = Math.max(...writes.map((r) => Date.parse(r.at)));
    const budgetSeconds = count / writesPerSecond;
    const what = `${count} new employees at ${writesPerSecond} writes/s`;
    row({ what: `${what}: Graph writes`, value: writes.length, unit: 'writes' });
    row({
      what: `${what}: writes per employee`,
      value: writes.length / count,
      unit: 'writes',
      target: { below: 1.01 },
    });
    row({
      what: `${what}: total time`,
      value: (lastWrite - start) / 1000,
      unit: 's',
      target: { below: budgetSeconds * 1.1 },
      anchor: budgetSeconds,
    });
    row({ what: `${what}: answered 429`, value: throttled, unit: 'requests' });
    row({
      what: `${what}: share of Graph writes answered 429`,
      value: throttled / Math.max(1, graph.length),
      unit: '',
      target: { below: 0.01 },
    });
  } finally {
    await rig.close();
  }
});
