import Router from '@koa/router';

/** `GET /health`: 200 while the process serves requests. Deliberately free of database or Temporal calls. */
export function healthRouter(): Router {
  const router = new Router();
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  return router;
}
