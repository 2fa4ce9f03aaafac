import { Writable } from 'node:stream';
import Router from '@koa/router';
import { createApp, defaultRouters, type AppDeps } from '../../api/app';
import { HttpError } from '../../api/errors';
import { createLogger } from '../../api/logger';
import { jsonBody } from '../../api/middleware/json-body';
import { parseConfig } from '../../domain/config';
import { serve, type ServedApp } from './serve';
import { CallsInFlight } from '../../orchestration/deadline';

const logLines: string[] = [];
const logger = createLogger({
  level: 'debug',
  destination: new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
});

const deps: AppDeps = {
  // The routes under test never touch the database.
  db: undefined as unknown as AppDeps['db'],
  temporal: { client: {} as AppDeps['temporal']['client'], taskQueue: 'test', inFlight: new CallsInFlight() },
  config: parseConfig({}),
  logger,
};

function probeRouter(): Router {
  const router = new Router({ prefix: '/probe' });
  router.use(jsonBody({ limit: 1024, maxDepth: 5, maxNodes: 50 }));
  router.post('/echo', (ctx) => {
    ctx.body = { received: ctx.request.body };
  });
  router.get('/client-error', () => {
    throw new HttpError(422, 'the widget is not ready');
  });
  router.get('/logs', async (ctx) => {
    // Another request may run in between: the line must still carry this request's id.
    await new Promise((resolve) => setTimeout(resolve, Number(ctx.query.wait ?? 0)));
    logger.info({ served: ctx.query.n }, 'request served');
    ctx.status = 204;
  });
  router.get('/crash', () => {
    throw new Error('database password is hunter2');
  });
  return router;
}

let app: ServedApp;
beforeAll(async () => {
  app = await serve(createApp(deps, { health: defaultRouters.health!, probe: () => probeRouter() }));
});
afterAll(() => app.close());

describe('the Koa app', () => {
  it('answers GET /healthz with 200', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('shows a 4xx error its own message', async () => {
    const res = await fetch(`${app.url}/probe/client-error`);
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: { status: 422, message: 'the widget is not ready' } });
  });

  it('answers an unexpected error with a generic 500 that does not leak the message', async () => {
    const res = await fetch(`${app.url}/probe/crash`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text)).toEqual({ error: { status: 500, message: 'internal server error' } });
  });

  it('answers an unknown path with 404', async () => {
    const res = await fetch(`${app.url}/nothing-here`);
    expect(res.status).toBe(404);
  });
});

describe('request ids', () => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const linesOf = (msg: string) =>
    logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);

  it('echoes a well-formed X-Request-Id', async () => {
    const res = await fetch(`${app.url}/healthz`, { headers: { 'X-Request-Id': 'lb-7f3a.2026:12_03-1' } });
    expect(res.headers.get('x-request-id')).toBe('lb-7f3a.2026:12_03-1');
  });

  it('makes one when the request has none, also for an unknown path', async () => {
    const res = await fetch(`${app.url}/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toMatch(uuid);
  });

  it.each([
    ['a space', 'two words'],
    ['markup', '<script>'],
    ['129 characters', 'a'.repeat(129)],
    ['a quote', 'id"injected'],
  ])('replaces one with %s by a new one', async (_what, offered) => {
    const res = await fetch(`${app.url}/healthz`, { headers: { 'X-Request-Id': offered } });
    expect(res.headers.get('x-request-id')).toMatch(uuid);
  });

  it('puts the id on every line logged for the request, also when requests interleave', async () => {
    const [slow, fast] = await Promise.all([
      fetch(`${app.url}/probe/logs?n=slow&wait=50`, { headers: { 'X-Request-Id': 'req-slow' } }),
      fetch(`${app.url}/probe/logs?n=fast`, { headers: { 'X-Request-Id': 'req-fast' } }),
    ]);
    expect([slow.status, fast.status]).toEqual([204, 204]);
    const served = linesOf('request served');
    expect(served.find((l) => l.served === 'slow')).toMatchObject({ requestId: 'req-slow' });
    expect(served.find((l) => l.served === 'fast')).toMatchObject({ requestId: 'req-fast' });
  });

  it('puts the id on the line of a failed request, and in its 500 answer', async () => {
    const res = await fetch(`${app.url}/probe/crash`, { headers: { 'X-Request-Id': 'req-crash-1' } });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBe('req-crash-1');
    expect(linesOf('request failed').filter((l) => l.requestId === 'req-crash-1')).toHaveLength(1);
  });

  it('puts no id on lines logged outside a request', () => {
    logger.info('not in a request');
    expect(linesOf('not in a request')[0]).not.toHaveProperty('requestId');
  });
});

describe('JSON bodies', () => {
  const post = (body: string, contentType = 'application/json') =>
    fetch(`${app.url}/probe/echo`, { method: 'POST', headers: { 'content-type': contentType }, body });

  it('accepts application/scim+json and application/json', async () => {
    for (const type of ['application/scim+json', 'application/json; charset=utf-8']) {
      const res = await post('{"a":1}', type);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: { a: 1 } });
    }
  });

  it('answers a body over the size limit with 413', async () => {
    const res = await post(JSON.stringify({ a: 'x'.repeat(5000) }));
    expect(res.status).toBe(413);
  });

  it('answers malformed JSON with 400', async () => {
    const res = await post('{"a": ');
    expect(res.status).toBe(400);
  });

  it('answers a body nested deeper than allowed with 400', async () => {
    const res = await post('[[[[[[[[1]]]]]]]]');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/nested deeper/);
  });

  it('answers a body with too many values with 400', async () => {
    const res = await post(JSON.stringify(Array.from({ length: 60 }, (_, i) => i)));
    expect(res.status).toBe(400);
  });

  it('answers another content type with 415', async () => {
    const res = await post('a=1', 'application/x-www-form-urlencoded');
    expect(res.status).toBe(415);
  });
});

describe('the logger', () => {
  it('redacts authorization headers, tokens, secrets and passwords', () => {
    logger.info(
      {
        req: { headers: { authorization: 'Bearer s3cr3t-token' } },
        body: { token: 'tok-123', password: 'pw-456', secret: 'sec-789' },
      },
      'probe',
    );
    const line = logLines.find((l) => l.includes('"probe"'))!;
    expect(line).toBeDefined();
    for (const secret of ['s3cr3t-token', 'tok-123', 'pw-456', 'sec-789']) expect(line).not.toContain(secret);
    expect(line).toContain('[redacted]');
  });

  it('logs the stack of a 5xx but never sends it', () => {
    expect(logLines.some((l) => l.includes('request failed') && l.includes('hunter2'))).toBe(true);
  });
});
