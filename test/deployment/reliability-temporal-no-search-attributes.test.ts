/**
 * Temporal loses everything, its search attributes too, in the middle of 300 HR onboardings at 50/s (issue 15): its
 * dev server, a process of its own like Joiner's API and worker, is killed with kill -9 and started again on an empty
 * database without Joiner's search attributes, as a server set up by hand would be. Every employee must still reach
 * Entra exactly once with the right fields: a delivery refused for want of the search attributes registers them and
 * goes on, and the workflows Temporal forgot are re-driven from the database by the worker's anti-entropy guard.
 */
import { onboardThrough, startRig, type Rig } from './rig';

/**
 * The stated bound. About 69 s on a quiet machine (the guard looks for the lost schedule every 30 s, a refused delivery
 * is retried); twice that leaves room for the suites CI runs beside this one on two cores.
 */
const convergeWithinMs = 150_000;

let rig: Rig;

beforeAll(async () => {
  rig = await startRig();
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

test('Temporal restarted empty without the search attributes mid-run: 300/300 users, each created once, with the right fields', async () => {
  const run = await onboardThrough(rig, {
    prefix: 'emp_tsa',
    count: 300,
    rate: 50,
    disruptAfter: 100,
    disrupt: async () => {
      await rig.temporal.restart({ empty: true, searchAttributes: false });
    },
    convergeWithinMs,
  });
  console.log(`Temporal restarted empty without search attributes after 100 of 300 onboardings: ${run.figures}`);
  expect(run.sent.unacknowledged).toEqual([]);
  expect(run.report).toMatchObject({ missing: [], duplicated: [], wrong: [], complete: 300, creates: 300 });
}, 300_000);
