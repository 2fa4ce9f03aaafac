/**
 * `joiner api` killed with kill -9 while the Temporal server is down too (a host restarted, Temporal not up yet): the
 * API must serve at once and accept webhooks into the outbox, not wait for Temporal or exit, and what it accepted must
 * reach Entra once Temporal is back on its own database. A process of its own, like the dev server and the stand-in.
 */
import { onboardings, startRig, type Rig } from './rig';

let rig: Rig;

beforeAll(async () => {
  rig = await startRig();
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

test('restarted while Temporal is down, the API serves at once, and what it accepted reaches Entra later', async () => {
  const [employee] = onboardings('emp_kill_temporal_down', 1);
  const [api] = rig.apis;
  await rig.temporal.kill();
  await api!.kill();
  const restartMs = await api!.start({ wait: 'healthy' });
  expect(await rig.post(employee!.event)).toBe(202);
  const readiness = await fetch(`${api!.url}/readyz`);
  expect(readiness.status).toBe(503);
  expect(await readiness.json()).toMatchObject({
    checks: { database: { status: 'ok' }, temporal: { status: 'failed' } },
  });

  // Temporal back on its own database: the relay delivers the event from the outbox.
  await rig.temporal.start();
  const report = await rig.converge([employee!], 90_000);
  console.log(
    `joiner api restarted with Temporal down: /healthz after ${Math.round(restartMs)} ms; the user in Entra ${report.seconds} s after Temporal was back`,
  );
  expect(report).toMatchObject({ missing: [], duplicated: [], wrong: [], complete: 1 });
}, 150_000);
