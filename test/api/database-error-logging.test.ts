import { Writable } from 'node:stream';
import Router from '@koa/router';
import { createApp, type AppDeps } from '../../api/app';
import { createLogger } from '../../api/logger';
import { parseConfig } from '../../domain/config';
import { defaultCompanyPolicies } from '../../domain/policies';
import { companies } from '../../store/schema';
import { DatabaseErrorScrubber } from '../../worker/database-errors';
import { describeEachDatabase } from '../helpers/databases';
import { serve } from './serve';

const personal = 'Ada Lovelace ada.lovelace@contoso.com';

describeEachDatabase('a database error in a request', (getDb) => {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  });

  /** A route that writes what the client sent straight to the database, as a handler without validation would. */
  function writeRouter(): Router {
    const router = new Router();
    router.post('/write/:kind', async (ctx) => {
      const name = ctx.params.kind === 'nul' ? `${personal}\u0000` : `${personal}\ud800`;
      await getDb()
        .insert(companies)
        .values({ id: `c-${ctx.params.kind}`, name, policies: { ...defaultCompanyPolicies, note: name } as never });
      ctx.status = 204;
    });
    return router;
  }

  it.each(['nul', 'surrogate'])(
    'with a %s string logs its SQLSTATE and the path, never the statement, its parameters or the values',
    async (kind) => {
      lines.length = 0;
      const deps = { db: getDb(), config: parseConfig({}), logger } as unknown as AppDeps;
      const app = await serve(createApp(deps, { write: () => writeRouter() }));
      try {
        const res = await fetch(`${app.url}/write/${kind}`, { method: 'POST' });
        expect(res.status).toBe(500);
        expect(await res.text()).not.toContain('Lovelace');
      } finally {
        await app.close();
      }
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0]!) as { level: number; path: string; err: { type: string; code: string } };
      expect(line.level).toBe(50);
      expect(line.path).toBe(`/write/${kind}`);
      expect(line.err.type).toBe('DatabaseError');
      expect(line.err.code).toMatch(/^(22021|22P02|22P05|22023)$/);
      for (const leak of ['Lovelace', 'contoso', 'insert into', 'params', '$1']) expect(lines[0]).not.toContain(leak);
    },
  );

  it('turns a database error thrown by an activity into one that names only its code', async () => {
    const scrubber = new DatabaseErrorScrubber();
    const failing = () =>
      getDb()
        .insert(companies)
        .values({ id: 'c-activity', name: `${personal}\u0000`, policies: defaultCompanyPolicies });
    const thrown = await scrubber
      .execute({ args: [], headers: {} }, async () => failing())
      .then(
        () => undefined,
        (err: unknown) => err as Error,
      );
    expect(thrown?.name).toBe('DatabaseError');
    expect(thrown?.message).toMatch(/^database error 22021/);
    expect(thrown?.message).not.toContain('Lovelace');
    // Other errors pass unchanged.
    const other = new Error('Graph said no');
    await expect(scrubber.execute({ args: [], headers: {} }, () => Promise.reject(other))).rejects.toBe(other);
  });
});
