import { randomUUID } from 'node:crypto';
import type { Middleware, ParameterizedContext } from 'koa';
import type { SandboxContext } from './context';
import { simulateLatency } from './context';
import { faultFailure } from './faults';
import { executeBatch } from './graph-batch';
import type { GraphRequest, GraphResponse } from './graph-http';
import { GraphErrorCode, GraphFailure, callerFromClaims, odataBadRequest } from './graph-http';
import { dispatchGraph, failureResponse } from './graph-router';
import { BodyTooLarge, readBody } from './http-body';
import { TokenRejected } from './signing';

// Enough for a benchmark's 10,000 onboardings and their reads and 429s; older entries are dropped beyond it.
const maxLogEntries = 100_000;
const invalidJson =
  'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.';

function headerMap(ctx: ParameterizedContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.headers)) if (typeof v === 'string') out[k.toLowerCase()] = v;
  return out;
}

function unauthorized(message: string): GraphFailure {
  return new GraphFailure(401, GraphErrorCode.invalidToken, message, undefined, {
    'www-authenticate': `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
  });
}

async function authenticate(sandbox: SandboxContext, ctx: ParameterizedContext): Promise<GraphRequest['caller']> {
  const header = ctx.get('authorization');
  const match = /^Bearer\s+(.*)$/i.exec(header);
  const token = match?.[1]?.trim() ?? '';
  if (token === '') throw unauthorized('Access token is empty.');
  if (!token.includes('.')) throw unauthorized('IDX14100: JWT is not well formed, there are no dots (.).');
  try {
    const claims = await sandbox.signer.verify(token);
    if (!sandbox.store.tenant(claims.tid)) throw new TokenRejected('Access token validation failure. Invalid issuer.');
    return callerFromClaims(claims);
  } catch (err) {
    if (err instanceof TokenRejected) throw unauthorized(err.message);
    throw err;
  }
}

async function parseJsonBody(ctx: ParameterizedContext): Promise<unknown> {
  let raw: string;
  try {
    raw = await readBody(ctx.req);
  } catch (err) {
    if (err instanceof BodyTooLarge)
      throw new GraphFailure(413, 'Request_EntityTooLarge', 'The request body is too large.');
    throw err;
  }
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw odataBadRequest(invalidJson);
  }
}

function send(ctx: ParameterizedContext, response: GraphResponse): void {
  ctx.status = response.status;
  for (const [k, v] of Object.entries(response.headers)) ctx.set(k, v);
  if (response.body === undefined) return;
  if (typeof response.body === 'string') {
    ctx.type = 'text/plain';
    ctx.body = response.body;
    return;
  }
  ctx.type = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
  ctx.body = JSON.stringify(response.body);
}

/**
 * Microsoft Graph v1.0 under `/v1.0`: request ids, latency, bearer-token validation, injected faults, then the route
 * (or `$batch`). A `drop` fault applies the request and then destroys the socket, like a response lost in transit.
 */
export function graphMiddleware(sandbox: SandboxContext): Middleware {
  return async function graph(ctx, next) {
    const match = /^\/v1\.0(\/.*)?$/i.exec(ctx.path);
    if (!match) {
      await next();
      return;
    }
    const requestId = randomUUID();
    const clientRequestId = ctx.get('client-request-id') || requestId;
    ctx.set('request-id', requestId);
    ctx.set('client-request-id', clientRequestId);
    ctx.set('x-ms-ags-diagnostic', JSON.stringify({ ServerInfo: { DataCenter: 'Sandbox', Slice: 'E', Ring: '0' } }));
    const entry: (typeof sandbox.log)[number] = {
      at: new Date().toISOString(),
      method: ctx.method,
      path: ctx.path,
      status: 0,
      requestId,
      ...(ctx.get('client-request-id') ? { clientRequestId } : {}),
    };
    let dropAfter = false;
    try {
      await simulateLatency(sandbox.settings);
      const caller = await authenticate(sandbox, ctx);
      entry.tenantId = caller.tenantId;
      entry.appId = caller.appId;
      const fault = sandbox.faults.take(ctx.method, ctx.path);
      const failure = fault === undefined ? undefined : faultFailure(fault);
      if (failure !== undefined) throw failure;
      dropAfter = fault?.kind === 'drop';
      const req: GraphRequest = {
        method: ctx.method,
        path: match[1] ?? '/',
        query: new URLSearchParams(ctx.querystring),
        headers: headerMap(ctx),
        body: await parseJsonBody(ctx),
        origin: `${ctx.protocol}://${ctx.host}`,
        caller,
        requestId,
        clientRequestId,
      };
      if (/^\/\$batch\/?$/i.test(req.path)) {
        if (ctx.method !== 'POST')
          throw new GraphFailure(
            405,
            GraphErrorCode.badRequest,
            'Specified HTTP method is not allowed for the request target.',
          );
        const result = executeBatch(sandbox, req);
        const items = (result.body as { responses: { id: string; status: number }[] }).responses;
        const sent = (req.body as { requests: { id: string; method: string; url: string }[] }).requests;
        entry.items = items.map((r, i) => ({ id: r.id, method: sent[i]!.method, url: sent[i]!.url, status: r.status }));
        send(ctx, { status: result.status, headers: {}, body: result.body });
      } else {
        send(ctx, dispatchGraph(sandbox, req));
      }
    } catch (err) {
      // A client that hung up mid-request (its own timeout, during injected latency) is not the stand-in's error;
      // logging it would also print after the suite that made the call has ended.
      const clientGone = ctx.req.destroyed || (err as NodeJS.ErrnoException).code === 'ECONNRESET';
      if (!(err instanceof GraphFailure) && !clientGone) console.error('entra sandbox: unexpected error', err);
      send(ctx, failureResponse(err, { requestId, clientRequestId }));
    } finally {
      entry.status = ctx.status;
      sandbox.log.push(entry);
      if (sandbox.log.length > maxLogEntries) sandbox.log.splice(0, sandbox.log.length - maxLogEntries);
    }
    if (dropAfter) {
      entry.status = 0;
      ctx.respond = false;
      ctx.req.socket.destroy();
    }
  };
}
