/**
 * `POST /webhooks/alexis` (the contract: docs/hr-webhook.md): where an HR change enters Joiner. Thin: read and verify → validate →
 * accept (persist; the outbox relay signals Temporal: {@link acceptAlexisEvent}) → respond.
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { HrWebhookOutcome, hrWebhooksTotal } from '../../observability/metrics';
import { parseHrWebhookEvent } from '../../domain/hr-employee';
import type { Db } from '../../store/db';
import { describeError, HttpError } from '../errors';
import { loadShedding } from '../middleware/load-shedding';
import type { AcceptAlexisEventDeps } from './accept-event';
import { acceptAlexisEvent, hrEventGroupCommit } from './accept-event';
import { logHrWebhookRejection, logRejectedWebhooks, readRawBody, verifyAlexisSignature } from './middleware';
import { webhookSecretSource } from './webhook-secret';

/** Webhook bodies larger than this are answered 413 before they are read to the end. */
export const hrWebhookBodyLimitBytes = 256 * 1024;

export interface HrWebhookDeps extends AcceptAlexisEventDeps {
  db: Db;
  /** `WEBHOOK_SECRET`: the default company's secret when the database holds none. */
  config: { WEBHOOK_SECRET?: string | undefined; MAX_IN_FLIGHT_REQUESTS: number };
  now?: () => number;
}

declare module 'koa' {
  interface DefaultState {
    /** What the webhook route made of the event, for {@link countHrWebhooks}. */
    hrWebhookOutcome?: HrWebhookOutcome;
  }
}

/** Counts each webhook request once by outcome; refusals before the event is read count as `rejected`. */
async function countHrWebhooks(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
    hrWebhooksTotal.inc({ outcome: ctx.state.hrWebhookOutcome ?? HrWebhookOutcome.Rejected });
  } catch (err) {
    const failed = describeError(err).status >= 500;
    hrWebhooksTotal.inc({
      outcome: failed ? HrWebhookOutcome.Failed : (ctx.state.hrWebhookOutcome ?? HrWebhookOutcome.Rejected),
    });
    throw err;
  }
}

/** The router of `POST /webhooks/alexis`. */
export function hrWebhookRouter(deps: HrWebhookDeps): Router {
  const router = new Router();
  const accept = { ...deps, commit: deps.commit ?? hrEventGroupCommit(deps.db) };
  router.post(
    '/webhooks/alexis',
    // First, before the body is read: a shed request costs nothing and is neither counted as failed nor logged.
    loadShedding('hr_webhook', deps.config.MAX_IN_FLIGHT_REQUESTS),
    countHrWebhooks,
    logRejectedWebhooks(deps.logger),
    readRawBody({ limitBytes: hrWebhookBodyLimitBytes }),
    verifyAlexisSignature({ secretFor: webhookSecretSource(deps), now: deps.now }),
    async function receiveAlexisEvent(ctx: Context) {
      const parsed = parseHrWebhookEvent(ctx.state.alexisJson);
      if (!parsed.success) {
        throw new HttpError(400, `invalid webhook body: ${parsed.problems.join('; ')}`, 'invalidBody', parsed.problems);
      }
      const event = parsed.event;
      ctx.state.alexisIds = { companyId: event.companyId, eventId: event.id };
      const result = await acceptAlexisEvent(accept, event);
      switch (result.outcome) {
        case 'duplicate':
          ctx.state.hrWebhookOutcome = HrWebhookOutcome.Duplicate;
          // A replay (or HR retrying): answered 200 so HR stops, but the operator should see it.
          logHrWebhookRejection(ctx, deps.logger, 'duplicate', 200, { redriven: result.redriven });
          ctx.status = 200;
          ctx.body = { status: 'duplicate', eventId: event.id };
          return;
        case 'stale':
          ctx.state.hrWebhookOutcome = HrWebhookOutcome.Stale;
          logHrWebhookRejection(ctx, deps.logger, 'staleVersion', 200, { redriven: result.redriven });
          ctx.status = 200;
          ctx.body = { status: 'stale', eventId: event.id, storedVersion: result.storedVersion };
          return;
        case 'unknownCompany':
          ctx.state.hrWebhookOutcome = HrWebhookOutcome.UnknownCompany;
          throw new HttpError(404, `unknown company ${event.companyId}`, 'unknownCompany');
        case 'accepted':
          ctx.state.hrWebhookOutcome = HrWebhookOutcome.Accepted;
          ctx.status = 202;
          ctx.body = {
            status: 'accepted',
            eventId: event.id,
            employeeId: event.data.employee.id,
            workflowId: result.workflowId,
          };
      }
    },
  );
  return router;
}
