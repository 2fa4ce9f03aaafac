/**
 * Joiner deployed as in production, scaled out (issue 12): PostgreSQL, Temporal's dev server, the Entra stand-in and
 * the HR system's webhook sender are processes of their own, and so are 2 `joiner api` and 2 `joiner worker`
 * processes. 1,000 HR onboardings at 50 events/s, the sender spreading them over both APIs; in the middle of it one
 * worker and one API are killed with kill -9 and started again, and then, with another 1,000, Temporal is killed with
 * kill -9 and started again on its own database. Each time every employee must end in Entra exactly once with the
 * right fields, and no webhook that was answered 2xx may be lost; the figures (lost, duplicated, time to converge)
 * are printed.
 *
 * The bound. The stand-in enforces Graph's write budget (3,000 writes per 150 s, 20/s) and Joiner paces its writes to
 * it, so 1,000 creates take at least 50 s after the first event. The longer part is CPU: each onboarding costs about
 * 0.1 s of the Temporal dev server's and 0.07 s of a worker's, so 1,000 of them need minutes of a two-core machine
 * that runs other suites. Measured (2026-12-04, on a machine shared with other work), each 1,000/1,000 with one create
 * each, none lost or duplicated: the kill of one API and one worker converged 200–253 s after the disruption at
 * load average 13 (322 s at 14 in an earlier run), Temporal's kill 202–268 s after it at 11–16; the file took 8.4–8.6
 * min. Each scenario may take `convergeWithinMs` after its disruption: enough at load 16, little margin beyond.
 */
import { onboardThrough, startRig, type Rig } from './rig';

const count = 1_000;
const rate = 50;
/** Killed after 400 acknowledged: 8 s into the 20 s of sending, with the outbox and the workflows all busy. */
const disruptAfter = 400;
const convergeWithinMs = 360_000;

let rig: Rig;

beforeAll(async () => {
  rig = await startRig({ apis: 2, workers: 2 });
}, 180_000);

afterAll(async () => {
  await rig?.close();
});

test('kill -9 of one worker and one API mid-run, restarted: 1,000/1,000 users, each created once', async () => {
  const [api] = rig.apis;
  const [worker] = rig.workers;
  const run = await onboardThrough(rig, {
    prefix: 'emp_scale',
    count,
    rate,
    disruptAfter,
    disrupt: async () => {
      await Promise.all([api!.kill('SIGKILL'), worker!.kill('SIGKILL')]);
      // The sender's retries meanwhile go to the other API; the other worker goes on with the workflows.
      await Promise.all([api!.start({ wait: 'healthy' }), worker!.start()]);
    },
    convergeWithinMs,
  });
  console.log(`one API and one worker of 2 + 2 killed -9 after ${disruptAfter} of ${count}: ${run.figures}`);
  expect(run.sent.unacknowledged).toEqual([]);
  expect(run.report).toMatchObject({ missing: [], duplicated: [], wrong: [], complete: count, creates: count });
}, 480_000);

test('Temporal killed -9 mid-run and restarted on its database: 1,000/1,000 users, each created once', async () => {
  await rig.clearRequests();
  const run = await onboardThrough(rig, {
    prefix: 'emp_scale_tmp',
    count,
    rate,
    disruptAfter,
    disrupt: async () => {
      await rig.temporal.restart();
    },
    convergeWithinMs,
  });
  console.log(`Temporal killed -9 and restarted after ${disruptAfter} of ${count}: ${run.figures}`);
  expect(run.sent.unacknowledged).toEqual([]);
  expect(run.report).toMatchObject({ missing: [], duplicated: [], wrong: [], complete: count, creates: count });
}, 480_000);
