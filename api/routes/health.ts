import Router from '@koa/router';
import { metricsContentType, renderMetrics } from '../../observability/metrics';
import type { ReadinessChecks } from '../../observability/probes';
import { checkReadiness } from '../../observability/probes';
import { pingDatabase } from '../../store/operational-stats';
import type { AppDeps } from '../deps';

/**
 * The operations endpoints (docs/operations.md): `GET /healthz` 200 while the process serves requests (no dependency
 * is called: a database outage must not get the process restarted); `GET /readyz` 200 when the database and every
 * check the process adds (Temporal, and Entra where a worker runs) answer, else 503 naming the failed ones;
 * `GET /metrics` in Prometheus' text format.
 */
export function healthRouter(deps: Pick<AppDeps, 'db' | 'readiness'>): Router {
  const checks: ReadinessChecks = { database: () => pingDatabase(deps.db), ...deps.readiness };
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const report = await checkReadiness(checks);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = report.status === 'ready' ? 200 : 503;
    ctx.body = report;
  });
  router.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metricsContentType;
    ctx.body = await renderMetrics();
  });
  return router;
}
