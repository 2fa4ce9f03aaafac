/**
 * Two `joiner worker` processes share one Graph write budget (docs/entra.md, Throttling): 60 onboardings against a
 * budget of 40 writes per 20 s, which the stand-in enforces as Graph does (429 beyond it). The first 40 creates go
 * as a burst, the other 20 wait until the window has slid; were the budget per worker, each would send its share at
 * once and the stand-in would answer 429 to the writes beyond 40.
 */
import os from 'node:os';
import { onboardings, startRig, type Rig } from './rig';

const budget = { writes: 40, windowMs: 20_000 };

let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ workers: 2, budget });
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

test('two workers hold one write budget: the writes beyond it wait for the window to slide, none answered 429', async () => {
  const employees = onboardings('emp_budget', 60);
  await rig.clearRequests();
  const sent = await rig.send(
    employees.map((e) => e.event),
    { rate: 100 },
  ).done;
  expect(sent.unacknowledged).toEqual([]);
  const report = await rig.converge(employees, 120_000);
  const log = await rig.requests();
  const creates = log
    .filter((r) => r.method === 'POST' && r.path === '/v1.0/users' && r.status === 201)
    .map((r) => Date.parse(r.at))
    .sort((a, b) => a - b);
  const throttled = log.filter((r) => r.status === 429).length;
  const offsets = creates.map((t) => ((t - creates[0]!) / 1000).toFixed(1));
  console.log(
    `60 onboardings, 2 workers, budget 40 per 20 s: creates at ${offsets.join(' ')} s; ${throttled} answered 429; ` +
      `converged in ${report.seconds} s; load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  expect(report).toMatchObject({ missing: [], duplicated: [], wrong: [], complete: 60, creates: 60 });
  expect(throttled).toBe(0);
  // The 41st create waited for the first to leave the window.
  expect(creates[40]! - creates[0]!).toBeGreaterThanOrEqual(budget.windowMs);
}, 300_000);
