import { setTimeout as sleep } from 'node:timers/promises';
import { VirtualClock } from '../../../sandbox/temporal/clock';

describe('the sandbox clock in real time (npm start, start-dev)', () => {
  it('waits for a timer set 30 days ahead without firing it early or spinning on setTimeout overflow', async () => {
    const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
    const clock = new VirtualClock(false);
    const fired: string[] = [];
    clock.schedule(30 * 24 * 3600 * 1000, () => fired.push('30 days'));
    clock.schedule(10, () => fired.push('10 ms'));
    await sleep(100);
    clock.stop();
    const delays = setTimeoutSpy.mock.calls.map(([, delay]) => delay ?? 0);
    setTimeoutSpy.mockRestore();
    expect(fired).toEqual(['10 ms']);
    // Node clamps a longer delay to 1 ms: the clock would wake every millisecond for 30 days.
    expect(Math.max(...delays)).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(delays.length).toBeLessThan(10);
  });

  it('skips straight to a far timer when time skipping is on and nothing holds a lock', async () => {
    const clock = new VirtualClock(true);
    clock.clientUnlock();
    const start = clock.now();
    const firedAt = await new Promise<number>((resolve) =>
      clock.schedule(30 * 24 * 3600 * 1000, () => resolve(clock.now())),
    );
    clock.stop();
    expect(firedAt - start).toBeGreaterThanOrEqual(30 * 24 * 3600 * 1000);
  });
});
