/**
 * Joiner's Prometheus metrics: one registry per process and every metric object, so that each name is defined in one
 * place. Code that observes something imports the metric from here and calls `inc` / `observe`; `/metrics` (the API,
 * and the worker's own listener) renders {@link renderMetrics}. The list with meanings is in docs/operations.md.
 *
 * The lowest layer beside domain/: it imports only libraries. Values that live in the database (outbox depth,
 * employees by phase) are read at scrape time through a source the process registers with {@link observeStore}.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The one registry of this process. */
export const metricsRegistry = new Registry();

/** The Content-Type of {@link renderMetrics}' text (Prometheus exposition format). */
export const metricsContentType = metricsRegistry.contentType;

let processMetricsStarted = false;

/**
 * Adds Node's process metrics (CPU, memory, event-loop lag, GC, handles) to the registry, with the `joiner_` prefix.
 * Called by the process entry, not at import, so tests that import a metric do not start the event-loop monitor.
 * Idempotent.
 */
export function startProcessMetrics(): void {
  if (processMetricsStarted) return;
  processMetricsStarted = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'joiner_' });
}

/** What became of an HR webhook request (`POST /webhooks/alexis`). */
export const HrWebhookOutcome = {
  Accepted: 'accepted',
  Duplicate: 'duplicate',
  Stale: 'stale',
  UnknownCompany: 'unknown_company',
  /** Refused before anything was stored: bad signature, body, size or type (a 4xx). */
  Rejected: 'rejected',
  /** A 5xx: nothing was acknowledged, HR retries. */
  Failed: 'failed',
} as const;
export type HrWebhookOutcome = (typeof HrWebhookOutcome)[keyof typeof HrWebhookOutcome];

export const hrWebhooksTotal = new Counter({
  name: 'joiner_hr_webhooks_total',
  help: 'HR webhook requests by outcome (accepted, duplicate, stale, unknown_company, rejected, failed)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const hrOutboxDepth = new Gauge({
  name: 'joiner_hr_outbox_depth',
  help: 'accepted HR events not yet handed to Temporal',
  registers: [metricsRegistry],
});

export const hrOutboxOldestAgeSeconds = new Gauge({
  name: 'joiner_hr_outbox_oldest_age_seconds',
  help: 'age of the oldest accepted HR event not yet handed to Temporal (0 when the outbox is empty)',
  registers: [metricsRegistry],
});

export const accountSignalOutboxDepth = new Gauge({
  name: 'joiner_account_signal_outbox_depth',
  help: 'signals committed by SCIM writes not yet handed to Temporal',
  registers: [metricsRegistry],
});

export const accountSignalOutboxOldestAgeSeconds = new Gauge({
  name: 'joiner_account_signal_outbox_oldest_age_seconds',
  help: 'age of the oldest signal committed by a SCIM write not yet handed to Temporal (0 when the outbox is empty)',
  registers: [metricsRegistry],
});

/** The route groups whose in-flight requests are bounded (`api/middleware/load-shedding.ts`). */
export type ShedRoute = 'hr_webhook' | 'scim';

export const httpRequestsShedTotal = new Counter({
  name: 'joiner_http_requests_shed_total',
  help: 'requests answered 503 with Retry-After because the route group had MAX_IN_FLIGHT_REQUESTS in flight',
  labelNames: ['route'] as const,
  registers: [metricsRegistry],
});

export const scimRequestsTotal = new Counter({
  name: 'joiner_scim_requests_total',
  help: 'SCIM requests by method, route template and HTTP status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [metricsRegistry],
});

export const scimRequestDurationSeconds = new Histogram({
  name: 'joiner_scim_request_duration_seconds',
  help: 'SCIM request duration by method and route template',
  labelNames: ['method', 'route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export const graphCallsTotal = new Counter({
  name: 'joiner_graph_calls_total',
  help: 'Microsoft Graph calls by operation and outcome (ok, or the Entra error type, e.g. EntraThrottled)',
  labelNames: ['operation', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const graphCallDurationSeconds = new Histogram({
  name: 'joiner_graph_call_duration_seconds',
  help: 'Microsoft Graph call duration by operation (in-process retries included)',
  labelNames: ['operation'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

/** Why a Graph write waited. */
export const ThrottleSource = {
  /** Graph answered 429 (or 503) with Retry-After. */
  Graph: 'graph',
  /** The worker's own write pacer held the write back to stay inside the tenant's write budget. */
  Pacer: 'pacer',
} as const;
export type ThrottleSource = (typeof ThrottleSource)[keyof typeof ThrottleSource];

export const graphThrottleWaitsTotal = new Counter({
  name: 'joiner_graph_throttle_waits_total',
  help: 'times a Graph call had to wait, by source (graph: 429/503 Retry-After; pacer: the write budget)',
  labelNames: ['source'] as const,
  registers: [metricsRegistry],
});

export const graphThrottleWaitSeconds = new Counter({
  name: 'joiner_graph_throttle_wait_seconds_total',
  help: 'seconds Graph calls were asked to wait or held back, by source',
  labelNames: ['source'] as const,
  registers: [metricsRegistry],
});

export const employeesByPhase = new Gauge({
  name: 'joiner_employees',
  help: 'employees by lifecycle phase, as the workflows last recorded it ("none" before the first record)',
  labelNames: ['phase'] as const,
  registers: [metricsRegistry],
});

/** What the database holds that the metrics show; read at scrape time. */
export interface StoreSnapshot {
  outboxDepth: number;
  /** Seconds since the oldest undelivered event was received; 0 when none is waiting. */
  outboxOldestAgeSeconds: number;
  /** Signals SCIM writes committed that Temporal does not have yet. */
  accountSignalsDepth: number;
  /** Seconds since the oldest of them was committed; 0 when none is waiting. */
  accountSignalsOldestAgeSeconds: number;
  /** Employee counts by phase; `null` phase (never recorded) is reported as `none`. */
  employeesByPhase: ReadonlyArray<{ phase: string | null; count: number }>;
}

let storeSource: (() => Promise<StoreSnapshot>) | undefined;

/**
 * Registers where the database-backed gauges are read from (one source per process; the last registered wins).
 * Resolves to a function that unregisters it.
 */
export function observeStore(source: () => Promise<StoreSnapshot>): () => void {
  storeSource = source;
  return () => {
    if (storeSource === source) storeSource = undefined;
  };
}

async function refreshStoreGauges(): Promise<void> {
  if (storeSource === undefined) return;
  const snapshot = await storeSource();
  hrOutboxDepth.set(snapshot.outboxDepth);
  hrOutboxOldestAgeSeconds.set(snapshot.outboxOldestAgeSeconds);
  accountSignalOutboxDepth.set(snapshot.accountSignalsDepth);
  accountSignalOutboxOldestAgeSeconds.set(snapshot.accountSignalsOldestAgeSeconds);
  employeesByPhase.reset();
  for (const { phase, count } of snapshot.employeesByPhase) employeesByPhase.set({ phase: phase ?? 'none' }, count);
}

/**
 * The registry in Prometheus' text format, database gauges refreshed first. A database that cannot be read leaves
 * those gauges at their last value (and `joiner_metrics_store_errors_total` counts it): a scrape must still answer.
 */
export async function renderMetrics(): Promise<string> {
  try {
    await refreshStoreGauges();
  } catch {
    metricsStoreErrorsTotal.inc();
  }
  return metricsRegistry.metrics();
}

export const metricsStoreErrorsTotal = new Counter({
  name: 'joiner_metrics_store_errors_total',
  help: 'scrapes during which the database-backed gauges could not be read',
  registers: [metricsRegistry],
});

/** Records a Graph call's outcome and duration. `outcome` is `ok` or an Entra error type. */
export function recordGraphCall(operation: string, outcome: string, seconds: number): void {
  graphCallsTotal.inc({ operation, outcome });
  graphCallDurationSeconds.observe({ operation }, seconds);
}

/** Records a wait imposed on Graph calls. */
export function recordThrottleWait(source: ThrottleSource, seconds: number): void {
  graphThrottleWaitsTotal.inc({ source });
  graphThrottleWaitSeconds.inc({ source }, seconds);
}
