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
