/**
 * Bulk onboarding against the emulator's write budget (target, docs/benchmarks.md: within 10% of the budget, without 429 storms).
 * The tenant's budget is scaled to 300 writes per 15 s (Graph's 20 writes/s sustained, as 3,000 per 150 s, in a window
 * ten times shorter) so that 1,000 employees need several windows, as a large tenant's onboarding does.
 */
import { hrEvent, sleep, startRig } from './lifecycle-rig';

export interface BulkResult {
  employees: number;
  budget: { writes: number; windowSeconds: number };
  writes: number;
  throttled: number;
  elapsedSeconds: number;
  /** The least time a sliding-window budget allows for `writes`: the first window's writes at once, then 20/s. */
  lowerBoundSeconds: number;
  ratioToLowerBound: number;
}

export async function runBulkBench(options: { employees?: number } = {}): Promise<BulkResult> {
  const count = options.employees ?? 1000;
  const budget = { writes: 300, windowMs: 15_000 };
  const rig = await startRig({
    entra: { throttling: { appWritesPerWindow: budget.writes, appWriteWindowMs: budget.windowMs } },
    pacer: budget,
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
            hireDate: '2027-01-04',
          }),
        );
        if (status !== 202) throw new Error(`webhook for ${id} answered ${status}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, poster));

    // Done when every user exists with its hire date (a create, then a PATCH of employeeHireDate).
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      const users = rig.entra.control.state().users[rig.entra.tenantId] ?? [];
      const complete = users.filter((u) => u.props.employeeHireDate === '2027-01-04T00:00:00Z').length;
      if (complete >= count) break;
      if (Date.now() > deadline) throw new Error(`only ${complete} of ${count} employees were onboarded`);
      await sleep(250);
    }
    const log = rig.entra.control.requests();
    const writes = log.filter((r) => r.method !== 'GET' && r.path.startsWith('/v1.0/') && r.status < 300);
    const lastWrite = Math.max(...writes.map((r) => Date.parse(r.at)));
    const elapsedSeconds = (lastWrite - start) / 1000;
    const ratePerSecond = budget.writes / (budget.windowMs / 1000);
    const lowerBoundSeconds = Math.max(0, writes.length - budget.writes) / ratePerSecond;
    return {
      employees: count,
      budget: { writes: budget.writes, windowSeconds: budget.windowMs / 1000 },
      writes: writes.length,
      throttled: log.filter((r) => r.status === 429).length,
      elapsedSeconds,
      lowerBoundSeconds,
      ratioToLowerBound: elapsedSeconds / lowerBoundSeconds,
    };
  } finally {
    await rig.close();
  }
}
