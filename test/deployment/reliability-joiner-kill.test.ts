/**
 * Joiner crashes in the middle of 300 HR onboardings at 50/s (issue 15): its API and its worker, processes of their
 * own like Temporal's dev server and the Entra stand-in, are killed with kill -9 after 100 acknowledged webhooks and
 * started again at once on the same ports, as a supervisor restarts them. Every employee must still reach Entra
 * exactly once with the right fields (what got a 2xx was committed to the outbox; the workflows live in Temporal),
 * and the API must serve again within 5 s of its restart: `/healthz` answers 200 and a new webhook is accepted.
 */
import { onboardings, onboardThrough, sleep, startRig, type Rig } from './rig';

/**
 * The stated bound of the restart: from the new `joiner api`'s spawn to its 202 for a new webhook. What it costs is
 * loading the API's modules (about 0.7 s on an idle machine; nothing slow runs before it listens: the database is
 * open in milliseconds and the relay starts after), on a CPU shared with the worker starting beside it (which loads
 * the build's workflow bundle instead of running webpack: worker/workflow-bundle.ts) and with the HR sender's retries
 * of the events it missed. Measured (2026-12-04): the new webhook accepted 1.7–1.8 s after the spawn at load average
 * 8–10 and 3.4 s at 12.5. A sender that retried every missed event every 250 ms, all at once when the API came back,
 * took it to 4–10 s at load 10–18; ./hr-sender.ts backs off with jitter, at most 16 requests open, as an HR system's
 * delivery queue does.
 */
const servingWithinMs = 5_000;

/**
 * The stated bound of the convergence, as for Temporal restarted empty (./reliability-temporal-empty.test.ts): each
 * onboarding costs about 0.1 s of the Temporal dev server's CPU and 0.07 s of the worker's, so 300 of them take a
 * minute or more of a two-core machine that runs other suites. Measured (2026-12-04): 300/300, none lost or
 * duplicated, 22–93 s after the restart at load average 8–13 (the file takes one to two minutes).
 */
const convergeWithinMs = 150_000;

let rig: Rig;

beforeAll(async () => {
  rig = await startRig();
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

test('kill -9 of the API and the worker mid-run: 300/300 users, each created once, and serving within 5 s', async () => {
  // A new employee's webhook, posted right after the restart: the proof that the new API accepts work again.
  const [probe] = onboardings('emp_kill_probe', 1);
  const restart = { healthzMs: 0, acceptedMs: 0, retriedStatuses: [] as number[] };
  const run = await onboardThrough(rig, {
    prefix: 'emp_kill',
    count: 300,
    rate: 50,
    disruptAfter: 100,
    disrupt: async () => {
      const joiners = [...rig.apis, ...rig.workers];
      await Promise.all(joiners.map((joiner) => joiner.kill('SIGKILL')));
      const [api] = rig.apis;
      const spawned = performance.now();
      // The workers come back beside it; the API needs none of them to accept a webhook.
      const workersStarted = Promise.all(rig.workers.map((worker) => worker.start()));
      workersStarted.catch(() => undefined);
      restart.healthzMs = Math.round(await api!.start({ wait: 'healthy' }));
      for (;;) {
        const status = await rig.post(probe!.event).catch(() => 0);
        if (status === 202) break;
        restart.retriedStatuses.push(status);
        if (performance.now() - spawned > 30_000) throw new Error(`the probe webhook was answered ${status} for 30 s`);
        await sleep(50);
      }
      restart.acceptedMs = Math.round(performance.now() - spawned);
      await workersStarted;
    },
    convergeWithinMs,
  });
  const probed = await rig.converge([probe!], 30_000);
  console.log(
    `Joiner (API and worker) killed -9 after 100 of 300 onboardings and restarted at once: the new API answered ` +
      `/healthz ${restart.healthzMs} ms and accepted a new webhook ${restart.acceptedMs} ms after its spawn (bound ` +
      `${servingWithinMs} ms; earlier answers ${JSON.stringify(restart.retriedStatuses)}); ${run.figures}`,
  );
  expect(run.sent.unacknowledged).toEqual([]);
  expect(run.report).toMatchObject({ missing: [], duplicated: [], wrong: [], complete: 300 });
  // 300 onboardings and the probe's: each user created exactly once (counted once the probe's user is there too: the
  // 300 may be complete before it).
  expect(probed).toMatchObject({ missing: [], duplicated: [], wrong: [], complete: 1, creates: 301 });
  expect(restart.acceptedMs).toBeLessThan(servingWithinMs);
}, 300_000);
