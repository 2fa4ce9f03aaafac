import { randomUUID } from 'node:crypto';
import { GraphErrorCode, GraphFailure } from './graph-http';

/**
 * Injected failures: `throttle` answers 429 with Retry-After (without charging the budget), `error` answers a 5xx,
 * `drop` applies the request and then closes the connection without a response (a lost response after a write).
 */
export const FaultKind = { throttle: 'throttle', error: 'error', drop: 'drop' } as const;
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

export interface FaultSpec {
  kind: FaultKind;
  /** How many matching requests fail; default 1. */
  count?: number;
  /** For `error`: 500, 502, 503 or 504 (default 503). */
  status?: number;
  /** For `throttle` (default 1) and optionally `error`: the Retry-After header in seconds (may be fractional). */
  retryAfterSeconds?: number;
  /** Only requests with this method (e.g. `POST`). */
  method?: string;
  /** Only requests whose path (e.g. `/v1.0/users`, `/{tenant}/oauth2/v2.0/token`) matches this regular expression. */
  path?: string;
}

export interface Fault extends Required<Pick<FaultSpec, 'kind' | 'count'>>, Omit<FaultSpec, 'kind' | 'count'> {
  id: string;
  /** Requests this fault has hit so far. */
  hits: number;
}

/** Queue of armed faults; the first armed fault matching a request fires and counts down. */
export class FaultInjector {
  private faults: Fault[] = [];

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: randomUUID(), count: spec.count ?? 1, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults.filter((f) => f.hits < f.count);
  }

  clear(): void {
    this.faults = [];
  }

  /** Returns the fault for this request, if one is armed, and counts the hit. */
  take(method: string, path: string): Fault | undefined {
    const fault = this.faults.find(
      (f) =>
        f.hits < f.count &&
        (f.method === undefined || f.method.toUpperCase() === method.toUpperCase()) &&
        (f.path === undefined || new RegExp(f.path).test(path)),
    );
    if (!fault) return undefined;
    fault.hits += 1;
    this.faults = this.faults.filter((f) => f.hits < f.count);
    return fault;
  }
}

/** Validates a fault spec from the control API; returns an error message or the spec. */
export function parseFaultSpec(input: unknown): FaultSpec | string {
  if (typeof input !== 'object' || input === null) return 'body must be a JSON object';
  const spec = input as Record<string, unknown>;
  if (!Object.values(FaultKind).includes(spec['kind'] as FaultKind))
    return "kind must be 'throttle', 'error' or 'drop'";
  const count = spec['count'] ?? 1;
  if (!Number.isInteger(count) || (count as number) < 1) return 'count must be a positive integer';
  const status = spec['status'];
  if (status !== undefined && ![500, 502, 503, 504].includes(status as number))
    return 'status must be 500, 502, 503 or 504';
  const retryAfter = spec['retryAfterSeconds'];
  if (retryAfter !== undefined && (typeof retryAfter !== 'number' || retryAfter < 0)) {
    return 'retryAfterSeconds must be a non-negative number';
  }
  if (spec['method'] !== undefined && typeof spec['method'] !== 'string') return 'method must be a string';
  const path = spec['path'];
  if (path !== undefined) {
    if (typeof path !== 'string') return 'path must be a regular expression string';
    try {
      new RegExp(path);
    } catch {
      return 'path is not a valid regular expression';
    }
  }
  return {
    kind: spec['kind'] as FaultKind,
    count: count as number,
    ...(status !== undefined ? { status: status as number } : {}),
    ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
    ...(spec['method'] !== undefined ? { method: spec['method'] } : {}),
    ...(path !== undefined ? { path } : {}),
  };
}

/**
 * The answer Graph gives in place of a request an injected fault hits, the same for a request of its own and for an
 * item of a `$batch`: 429 `TooManyRequests` with Retry-After (1 s unless given), or the fault's 5xx. Undefined for a
 * `drop`, which answers nothing (the request is applied and the connection closed).
 */
export function faultFailure(fault: Fault): GraphFailure | undefined {
  if (fault.kind === FaultKind.drop) return undefined;
  const status = fault.kind === FaultKind.throttle ? 429 : (fault.status ?? 503);
  const retryAfter = fault.retryAfterSeconds ?? (fault.kind === FaultKind.throttle ? 1 : undefined);
  const code =
    status === 429
      ? GraphErrorCode.tooManyRequests
      : status === 503
        ? GraphErrorCode.serviceUnavailable
        : GraphErrorCode.internal;
  const message = status === 429 ? 'Too many requests.' : 'The service is temporarily unavailable. Please retry.';
  return new GraphFailure(
    status,
    code,
    message,
    undefined,
    retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
  );
}
