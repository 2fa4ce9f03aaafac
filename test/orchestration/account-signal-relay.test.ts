/**
 * The account signal relay on a real database with a recording Temporal client that answers after a random delay:
 * the signals SCIM writes committed reach each workflow in the order they were written (16 deliveries at once across
 * workflows), each once, and leave the outbox; what another process left behind is delivered at start.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { AppDeps } from '../../api/app';
import { AccountSignalRelay, accountChanged } from '../../orchestration/account-events';
import { CallsInFlight } from '../../orchestration/deadline';
import { recordAccountSignals } from '../../store/account-signals';
import { accountSignals } from '../../store/schema';
import type { Db } from '../../store/db';
import type { AccountChangedSignal } from '../../workflows/account-definitions';
import { describeEachDatabase } from '../helpers/databases';
import { freshCompany } from '../store/fixtures';

const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };

function slowRecordingTemporal() {
  const sent: { workflowId: string; signal: AccountChangedSignal }[] = [];
  const client = {
    signalWithStart: async (_type: string, options: { workflowId: string; signalArgs: [AccountChangedSignal] }) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 15));
      sent.push({ workflowId: options.workflowId, signal: options.signalArgs[0] });
      return {};
    },
    withDeadline: <R>(_deadline: number | Date, fn: () => Promise<R>) => fn(),
  };
  const temporal: AppDeps['temporal'] = {
    client: client as unknown as AppDeps['temporal']['client'],
    taskQueue: 'relay-test',
    inFlight: new CallsInFlight(),
  };
  return { temporal, sent };
}

async function until(predicate: () => Promise<boolean>): Promise<void> {
  while (!(await predicate())) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function record(db: Db, companyId: string, scimUserId: string, version: number) {
  const [stored] = await recordAccountSignals(db, [
    accountChanged(companyId, scimUserId, 'updated', {
      version,
      userName: `u-${version}@contoso.com`,
      active: true,
      externalId: null,
      employeeId: null,
    }),
  ]);
  return stored!;
}

describeEachDatabase('the account signal relay', (getDb) => {
  let relay: AccountSignalRelay | undefined;
  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
  });

  it('delivers each workflow its signals in the order they were written, once each, and empties the outbox', async () => {
    const db = getDb();
    const { id: companyId } = await freshCompany(db);
    const { temporal, sent } = slowRecordingTemporal();
    const users = Array.from({ length: 4 }, () => randomUUID());
    // Left by a process that stopped before delivering it: delivered by the first poll.
    await record(db, companyId, users[0]!, 1);

    relay = new AccountSignalRelay({ db, temporal, logger: quiet, intervalMs: 3_600_000 });
    relay.start();
    await until(() => Promise.resolve(sent.length === 1));
    for (let version = 2; version <= 12; version++) {
      for (const user of users) {
        const stored = await record(db, companyId, user, version);
        relay.accepted(stored.id, stored);
      }
    }
    const left = () => db.select().from(accountSignals).where(eq(accountSignals.companyId, companyId));
    await until(async () => (await left()).length === 0);

    for (const [i, user] of users.entries()) {
      const versions = sent.filter((s) => s.workflowId === `account/${companyId}/${user}`).map((s) => s.signal.version);
      const expected = Array.from({ length: 11 }, (_, n) => n + 2);
      expect(versions).toEqual(i === 0 ? [1, ...expected] : expected);
    }
  });
});
