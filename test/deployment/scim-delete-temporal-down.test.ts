/**
 * A SCIM delete while the Temporal server is down: Entra gets its 204 and the delete is stored at once, with its
 * signal in the outbox; once Temporal is back, the account workflow has the delete and its purge timer, dated from
 * the delete. The built CLI (`joiner
 * start` with TEMPORAL_ADDRESS, on PGlite and the embedded Entra stand-in) against Temporal's dev server, which the
 * test stops and starts again on the same database and port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../cli/ports';
import { ScimUrn } from '../../domain/scim/constants';
import { defaultCompanyPolicies } from '../../domain/policies';
import { createAccessToken } from '../../store/access-tokens';
import { defaultCompanyId, ensureDefaultCompany, setCompanyPolicies } from '../../store/companies';
import { databaseOptionsFromConfig, openDatabase } from '../../store/db';
import type { AccountLifecycleState } from '../../workflows/account-definitions';
import { accountStateQuery, accountWorkflowId } from '../../workflows/account-definitions';
import { JoinerProcess } from '../cli/run-joiner';
import { startDevServer } from '../helpers/temporal';

jest.setTimeout(150_000);

const retentionDays = 30;
const dayMs = 24 * 60 * 60 * 1000;

describe('a SCIM delete made while Temporal is down', () => {
  let dataDir: string;
  let temporalDir: string;
  let temporal: Awaited<ReturnType<typeof startDevServer>> | undefined;
  let joiner: JoinerProcess | undefined;
  let token: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'joiner-scim-down-'));
    temporalDir = await mkdtemp(path.join(os.tmpdir(), 'joiner-scim-down-temporal-'));
    // Before Joiner holds the embedded database: a company that keeps deleted accounts 30 days, and Entra's token.
    const database = await openDatabase(databaseOptionsFromConfig({ DATA_DIR: dataDir }));
    try {
      await ensureDefaultCompany(database.db);
      await setCompanyPolicies(database.db, defaultCompanyId, {
        ...defaultCompanyPolicies,
        scimDeletedUserRetentionDays: retentionDays,
      });
      token = (await createAccessToken(database.db, { companyId: defaultCompanyId, name: 'Entra provisioning' })).token;
    } finally {
      await database.close();
    }
  });
  afterAll(async () => {
    await joiner?.stop();
    await temporal?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(temporalDir, { recursive: true, force: true });
  });

  it('is answered 204, stored, and gets its purge timer once Temporal is back', async () => {
    const dbFile = path.join(temporalDir, 'temporal.db');
    const temporalPort = await freePort();
    temporal = await startDevServer({ dbFile, port: temporalPort });
    const port = await freePort();
    joiner = JoinerProcess.start('start', {
      TEMPORAL_ADDRESS: temporal.address,
      DATA_DIR: dataDir,
      PORT: String(port),
      METRICS_PORT: String(await freePort()),
    });
    await joiner.logged('joiner is running (API and worker)');
    const scim = async (method: string, route: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${port}/scim/v2${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
    };

    const created = await scim('POST', '/Users', { schemas: [ScimUrn.User], userName: 'grace@contoso.com' });
    expect(created.status).toBe(201);
    const userId = created.body!.id as string;

    await temporal.stop();
    temporal = undefined;
    const deletedAt = Date.now();
    expect((await scim('DELETE', `/Users/${userId}`)).status).toBe(204);
    // Stored: Entra no longer sees the account, and a second delete finds nothing.
    expect((await scim('GET', `/Users/${userId}`)).status).toBe(404);
    expect((await scim('DELETE', `/Users/${userId}`)).status).toBe(404);

    // Only once Joiner gave up on the signal (its 10 s deadline): a Temporal back sooner would get the first try.
    for (;;) {
      if (joiner.logs.some((l) => String(l.msg).startsWith('account signal not delivered to Temporal'))) break;
      if ((await Promise.race([joiner.exitCode(), new Promise((r) => setTimeout(() => r('up'), 200))])) !== 'up') {
        throw new Error(`joiner exited: ${joiner.stderr}`);
      }
    }
    const restartedAt = Date.now();
    temporal = await startDevServer({ dbFile, port: temporalPort });
    const connection = await Connection.connect({ address: temporal.address });
    try {
      const handle = new Client({ connection }).workflow.getHandle(accountWorkflowId(defaultCompanyId, userId));
      // The API's account signal relay tries again at most 30 s apart; allow two tries and the worker's reconnection.
      const deadline = Date.now() + 90_000;
      let state: AccountLifecycleState | undefined;
      for (;;) {
        state = await handle.query(accountStateQuery).catch(() => undefined);
        if (state?.deleted === true || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 1_000));
      }
      expect(state).toMatchObject({ deleted: true, purged: false });
      // Dated from the delete, not from Temporal's return: the retention is the company's 30 days.
      const purgeAt = Date.parse(state!.purgeAt!);
      expect(purgeAt).toBeGreaterThanOrEqual(deletedAt - 5_000 + retentionDays * dayMs);
      expect(purgeAt).toBeLessThan(restartedAt + retentionDays * dayMs);
      expect(state!.timeline.map((entry) => entry.event)).toEqual(['created', 'deleted', 'purge-scheduled']);
    } finally {
      await connection.close();
    }
  });
});
