import type { SandboxContext } from './context';
import type { GraphRequest, GraphResponse } from './graph-http';
import { GraphErrorCode, GraphFailure, graphErrorBody, odataBadRequest } from './graph-http';
import { getDomains, getOrganization } from './graph-organization';
import { getManager, listDirectReports, removeManager, setManager } from './graph-manager';
import {
  callerTenant,
  countUsers,
  createUser,
  deleteUser,
  getUser,
  listUsers,
  revokeSignInSessions,
  updateUser,
} from './graph-users';
import type { RequestCost } from './throttling';

type Handler = (sandbox: SandboxContext, req: GraphRequest, params: string[]) => GraphResponse;

interface Route {
  method: string;
  /** Segments; `*` captures one segment. Literal segments match case-insensitively, as Graph's do. */
  pattern: string[];
  cost: RequestCost;
  handler: Handler;
}

const read1: RequestCost = { resourceUnits: 1, writes: 0 };
const read2: RequestCost = { resourceUnits: 2, writes: 0 };
const write: RequestCost = { resourceUnits: 1, writes: 1 };

function route(method: string, path: string, cost: RequestCost, handler: Handler): Route {
  return { method, pattern: path.split('/').filter(Boolean), cost, handler };
}

/** Graph v1.0 resources the sandbox serves, with the resource-unit cost of each (writes also cost one write). */
const routes: Route[] = [
  route('GET', 'organization', read1, (s, r) => getOrganization(s, r)),
  route('GET', 'organization/*', read1, (s, r, [id]) => getOrganization(s, r, id)),
  route('GET', 'domains', read1, (s, r) => getDomains(s, r)),
  route('GET', 'domains/*', read1, (s, r, [name]) => getDomains(s, r, name)),
  route('GET', 'users', read2, listUsers),
  route('POST', 'users', write, createUser),
  route('GET', 'users/$count', read1, countUsers),
  route('GET', 'users/*', read1, (s, r, [key]) => getUser(s, r, key!)),
  route('PATCH', 'users/*', write, (s, r, [key]) => updateUser(s, r, key!)),
  route('DELETE', 'users/*', write, (s, r, [key]) => deleteUser(s, r, key!)),
  route('GET', 'users/*/manager', read1, (s, r, [key]) => getManager(s, r, key!, false)),
  route('GET', 'users/*/manager/$ref', read1, (s, r, [key]) => getManager(s, r, key!, true)),
  route('PUT', 'users/*/manager/$ref', write, (s, r, [key]) => setManager(s, r, key!)),
  route('DELETE', 'users/*/manager/$ref', write, (s, r, [key]) => removeManager(s, r, key!)),
  route('GET', 'users/*/directReports', read1, (s, r, [key]) => listDirectReports(s, r, key!)),
  route('POST', 'users/*/revokeSignInSessions', write, (s, r, [key]) => revokeSignInSessions(s, r, key!)),
];

function matchPattern(pattern: string[], segments: string[]): string[] | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = segments[i]!;
    if (p === '*') {
      // A capture never swallows a literal of another route (e.g. `users/$count`).
      if (s.startsWith('$')) return undefined;
      params.push(s);
    } else if (p.toLowerCase() !== s.toLowerCase()) return undefined;
  }
  return params;
}

function decodeSegments(path: string): string[] {
  try {
    return path
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
  } catch {
    throw odataBadRequest(`The request URI '${path}' is not valid.`);
  }
}

/** Finds the route of a request: `undefined` for unknown resources, `null` for a known resource and wrong method. */
export function resolveRoute(method: string, path: string): { route: Route; params: string[] } | undefined | null {
  const segments = decodeSegments(path);
  let pathKnown = false;
  for (const candidate of routes) {
    const params = matchPattern(candidate.pattern, segments);
    if (!params) continue;
    pathKnown = true;
    if (candidate.method === method.toUpperCase()) return { route: candidate, params };
  }
  return pathKnown ? null : undefined;
}

/** Turns a thrown failure into Graph's error response. */
export function failureResponse(err: unknown, req: Pick<GraphRequest, 'requestId' | 'clientRequestId'>): GraphResponse {
  const failure =
    err instanceof GraphFailure
      ? err
      : new GraphFailure(500, GraphErrorCode.internal, 'An internal server error occurred.');
  return {
    status: failure.status,
    headers: { ...failure.headers },
    body: graphErrorBody(failure, req.requestId, req.clientRequestId),
  };
}

function throttled(req: GraphRequest, headers: Record<string, string>): GraphResponse {
  const failure = new GraphFailure(429, GraphErrorCode.tooManyRequests, 'Too many requests.', undefined, headers);
  return failureResponse(failure, req);
}

/**
 * Serves one Graph request (a whole HTTP request or one `$batch` item): routing, the throttling budget, the handler,
 * and Graph's error body for failures. Never throws.
 */
export function dispatchGraph(sandbox: SandboxContext, req: GraphRequest): GraphResponse {
  try {
    const found = resolveRoute(req.method, req.path);
    if (found === undefined) {
      const segment = decodeSegments(req.path)[0] ?? '';
      if (segment.toLowerCase() === 'me') {
        throw odataBadRequest('/me request is only valid with delegated authentication flow.');
      }
      throw odataBadRequest(`Resource not found for the segment '${segment}'.`);
    }
    if (found === null) {
      throw new GraphFailure(
        405,
        GraphErrorCode.badRequest,
        'Specified HTTP method is not allowed for the request target.',
      );
    }
    const tenant = callerTenant(sandbox, req);
    const decision = sandbox.throttle.charge(tenant.id, req.caller.appId, tenant.size, found.route.cost);
    if (!decision.allowed) return throttled(req, decision.headers);
    let response: GraphResponse;
    try {
      response = found.route.handler(sandbox, req, found.params);
    } catch (err) {
      response = failureResponse(err, req);
    }
    return { ...response, headers: { ...decision.headers, ...response.headers } };
  } catch (err) {
    return failureResponse(err, req);
  }
}
