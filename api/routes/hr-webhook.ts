/**
 * `POST /webhooks/alexis` (DESIGN.md §3.1): where an HR change enters Joiner. Thin: read and verify → validate →
 * persist (snapshot + outbox, one transaction) → signal Temporal → respond.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { parseHrWebhookEvent } from '../../domain/hr-employee';
import type { Db } from '../../store/db';
import { defaultCompanyId, getCompany } from '../../store/companies';
import { acceptHrEvent, markHrEventDelivered, recordHrEventDeliveryFailure } from '../../store/hr-events';
import { employeeWorkflowId } from '../../workflows/definitions';
import type { HrEventTemporal } from '../hr-event-delivery';
import { deliverHrEvent } from '../hr-event-delivery';
import { readRawBody, verifyAlexisSignature } from '../middleware/alexis-webhook';

/** Webhook bodies larger than this are answered 413 before they are read to the end. */
export const hrWebhookBodyLimitBytes = 256 * 1024;

export interface HrWebhookDeps {
  db: Db;
  temporal: HrEventTemporal;
  /** `WEBHOOK_SECRET`: the default company's secret when the database holds none. */
  config: { WEBHOOK_SECRET?: string | undefined };
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** Kicked when an inline delivery fails, so the outbox relay retries soon. */
  outbox?: { kick(): void };
  /** How long the response waits for the inline delivery to Temporal before answering anyway; default 2 s. */
  deliveryWaitMs?: number;
  now?: () => number;
}

/** The webhook secret of a company: its own from the database, else `WEBHOOK_SECRET` for the default company. */
export function webhookSecretSource(deps: Pick<HrWebhookDeps, 'db' | 'config'>) {
  return async (companyId: string): Promise<string | null> => {
    const company = await getCompany(deps.db, companyId);
    if (company === null) return null;
    if (company.webhookSecret) return company.webhookSecret;
    return companyId === defaultCompanyId ? (deps.config.WEBHOOK_SECRET ?? null) : null;
  };
}

/** The router of `POST /webhooks/alexis`. */
export function hrWebhookRouter(deps: HrWebhookDeps): Router {
  const router = new Router();
  router.post(
    '/webhooks/alexis',
    readRawBody({ limitBytes: hrWebhookBodyLimitBytes }),
    verifyAlexisSignature({ secretFor: webhookSecretSource(deps), now: deps.now }),
    async function acceptAlexisEvent(ctx: Context) {
      const parsed = parseHrWebhookEvent(ctx.state.alexisJson);
      if (!parsed.success) {
        respondError(ctx, 400, `invalid webhook body: ${parsed.problems.join('; ')}`, parsed.problems);
        return;
      }
      const event = parsed.event;
      const employee = event.data.employee;
      const result = await acceptHrEvent(deps.db, {
        companyId: event.companyId,
        eventId: event.id,
        type: event.type,
        occurredAt: new Date(event.occurredAt),
        employee,
      });
      const workflowId = employeeWorkflowId(event.companyId, employee.id);
      switch (result.outcome) {
        case 'duplicate':
          ctx.status = 200;
          ctx.body = { status: 'duplicate', eventId: event.id };
          return;
        case 'stale':
          ctx.status = 200;
          ctx.body = { status: 'stale', eventId: event.id, storedVersion: result.storedVersion };
          return;
        case 'unknownCompany':
          respondError(ctx, 404, `unknown company ${event.companyId}`);
          return;
        case 'accepted':
          await deliverInline(deps, result.eventRowId, {
            companyId: event.companyId,
            eventId: event.id,
            type: event.type,
            occurredAt: new Date(event.occurredAt),
            snapshot: employee,
          });
          ctx.status = 202;
          ctx.body = { status: 'accepted', eventId: event.id, employeeId: employee.id, workflowId };
      }
    },
  );
  return router;
}

/**
 * Signals the workflow right away, waiting at most `deliveryWaitMs`. The event is already persisted, so a failure
 * only leaves it to the outbox relay; the HR system gets its 202 either way.
 */
async function deliverInline(
  deps: HrWebhookDeps,
  eventRowId: number,
  event: Parameters<typeof deliverHrEvent>[1],
): Promise<void> {
  const delivery = deliverHrEvent(deps.temporal, event)
    .then(() => markHrEventDelivered(deps.db, eventRowId))
    .catch(async (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      deps.logger.warn({ eventId: event.eventId, err: message }, 'HR event left in the outbox for redelivery');
      await recordHrEventDeliveryFailure(deps.db, eventRowId, message).catch(() => undefined);
      deps.outbox?.kick();
    });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, deps.deliveryWaitMs ?? 2_000);
  });
  await Promise.race([delivery, deadline]);
  clearTimeout(timer);
}

/** The app's error body (`{ error: { status, message, details? } }`), answered here without throwing. */
export function respondError(ctx: Context, status: number, message: string, details?: unknown): void {
  ctx.status = status;
  ctx.body = { error: { status, message, ...(details === undefined ? {} : { details }) } };
}
