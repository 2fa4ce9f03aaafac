/**
 * The anchor of the SCIM benchmark: a bare Koa + pg server doing the same indexed lookup as `GET /scim/v2/Users?filter=
 * userName eq "…"` (the unique index on lower(user_name)), with the same pool size as Joiner, and nothing else (no
 * auth, no SCIM rendering). Joiner's GET is measured as a share of its throughput on the same machine in the same run.
 *
 * `node --import tsx bench/anchor-server.ts` with DATABASE_URL and PORT; prints `listening <port>`.
 */
import Koa from 'koa';
import { Pool } from 'pg';

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = new Koa();
app.use(async (ctx) => {
  const userName = ctx.query.userName;
  if (typeof userName !== 'string') {
    ctx.status = 400;
    return;
  }
  const { rows } = await pool.query(
    'select id, resource, version, created_at, updated_at from scim_users ' +
      'where company_id = $1 and lower(user_name) = lower($2) and deleted_at is null',
    ['default', userName],
  );
  ctx.type = 'application/scim+json';
  ctx.body = { totalResults: rows.length, Resources: rows };
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
process.on('SIGTERM', () => {
  server.close();
  void pool.end();
});
