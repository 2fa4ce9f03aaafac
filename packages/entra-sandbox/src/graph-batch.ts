import type { SandboxContext } from './context';
import type { GraphRequest, GraphResponse } from './graph-http';
import { GraphErrorCode, GraphFailure, graphErrorBody, odataBadRequest } from './graph-http';
import { dispatchGraph } from './graph-router';
import type { FaultInjector } from './faults';
import { faultFailure } from './faults';

/** Graph's limit of requests in one JSON batch. */
export const maxBatchRequests = 20;

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

export interface BatchItemResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

function parseItems(body: unknown): BatchItem[] {
  const requests =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['requests'] : undefined;
  if (!Array.isArray(requests)) throw odataBadRequest('Invalid batch payload format.');
  if (requests.length === 0) throw odataBadRequest('Invalid batch payload format: at least one request is required.');
  if (requests.length > maxBatchRequests) {
    throw odataBadRequest(`Number of batch request steps exceeds the maximum of ${maxBatchRequests}.`);
  }
  const items: BatchItem[] = [];
  const ids = new Set<string>();
  for (const raw of requests) {
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const { id, method, url } = r;
    if (typeof id !== 'string' || id === '' || typeof method !== 'string' || typeof url !== 'string') {
      throw odataBadRequest('Invalid batch payload format: each request needs id, method and url.');
    }
    if (ids.has(id)) throw odataBadRequest(`Batch request id '${id}' is used more than once.`);
    ids.add(id);
    if (/^https?:/i.test(url))
      throw odataBadRequest(`Batch request id : ${id} has an absolute URL; use a relative URL.`);
    const headers: Record<string, string> = {};
    const rawHeaders = r['headers'];
    if (typeof rawHeaders === 'object' && rawHeaders !== null) {
      for (const [k, v] of Object.entries(rawHeaders)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
    }
    if (r['body'] !== undefined && !headers['content-type']) {
      throw odataBadRequest(`Write request id : ${id} does not contain Content-Type header or body.`);
    }
    const dependsOn = r['dependsOn'] ?? [];
    if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string')) {
      throw odataBadRequest(`Batch request id : ${id} has an invalid dependsOn.`);
    }
    items.push({ id, method: method.toUpperCase(), url, headers, body: r['body'], dependsOn: dependsOn as string[] });
  }
  for (const item of items) {
    for (const dep of item.dependsOn) {
      if (!ids.has(dep)) throw odataBadRequest(`Batch request id : ${item.id} depends on unknown request id '${dep}'.`);
    }
  }
  return items;
}

function failedDependency(outer: GraphRequest, id: string): BatchItemResponse {
  const failure = new GraphFailure(
    424,
    GraphErrorCode.failedDependency,
    'Dependent request failed; this request was not executed.',
  );
  return {
    id,
    status: 424,
    headers: { 'content-type': 'application/json' },
    body: graphErrorBody(failure, outer.requestId, outer.clientRequestId),
  };
}

function injectedFault(
  faults: FaultInjector,
  outer: GraphRequest,
  method: string,
  path: string,
): GraphResponse | undefined {
  const fault = faults.take(method, `/v1.0${path}`);
  const failure = fault === undefined ? undefined : faultFailure(fault);
  if (failure === undefined) return undefined;
  return {
    status: failure.status,
    headers: failure.headers,
    body: graphErrorBody(failure, outer.requestId, outer.clientRequestId),
  };
}

/**
 * `POST /$batch`: up to 20 requests; items run in order, an item with `dependsOn` after its dependencies and with 424
 * when one of them failed. Each item is authorized and throttled on its own; the outer status is 200 regardless.
 */
export function executeBatch(sandbox: SandboxContext, outer: GraphRequest): { status: number; body: unknown } {
  const items = parseItems(outer.body);
  const results = new Map<string, BatchItemResponse>();
  const inProgress = new Set<string>();
  const byId = new Map(items.map((i) => [i.id, i]));

  const run = (item: BatchItem): BatchItemResponse => {
    const done = results.get(item.id);
    if (done) return done;
    if (inProgress.has(item.id)) throw odataBadRequest(`Batch request id : ${item.id} has a circular dependsOn.`);
    inProgress.add(item.id);
    const deps = item.dependsOn.map((d) => run(byId.get(d)!));
    let response: BatchItemResponse;
    if (deps.some((d) => d.status >= 400)) {
      response = failedDependency(outer, item.id);
    } else {
      const url = new URL(item.url.startsWith('/') ? item.url : `/${item.url}`, 'https://batch.invalid');
      const path = url.pathname.replace(/^\/v1\.0(?=\/)/i, '');
      const req: GraphRequest = {
        ...outer,
        method: item.method,
        path,
        query: url.searchParams,
        headers: item.headers,
        body: item.body,
      };
      const result = injectedFault(sandbox.faults, outer, item.method, path) ?? dispatchGraph(sandbox, req);
      const headers: Record<string, string> = { ...result.headers };
      if (result.body !== undefined && typeof result.body !== 'string') headers['content-type'] ??= 'application/json';
      response = {
        id: item.id,
        status: result.status,
        headers,
        ...(result.body !== undefined ? { body: result.body } : {}),
      };
    }
    inProgress.delete(item.id);
    results.set(item.id, response);
    return response;
  };

  for (const item of items) run(item);
  return { status: 200, body: { responses: items.map((i) => results.get(i.id)!) } };
}
