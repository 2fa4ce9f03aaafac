/**
 * `POST /webhooks/alexis` (DESIGN.md §3.1): where an HR change enters Joiner. Thin: read and verify → validate →
 * accept (persist, then signal Temporal: {@link acceptAlexisEvent}) → respond.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { parseHrWebhookEvent } from '../../domain/hr-employee';
import type { Db } from '../../store/db';
import { HttpError } from '../errors';
import type { AcceptAlexisEventDeps } from './accept-event';
import { acceptAlexisEvent } from './accept-event';
import { logHrWebhookRejection, logRejectedWebhooks, readRawBody, verifyAlexisSignature } from './middleware';
import { webhookSecretSource } from './webhook-secret';

/** Webhook bodies larger than this are answered 413 before they are read to the end. */
export const hrWebhookBodyLimitBytes = 256 * 1024;

export interface HrWebhookDeps extends AcceptAlexisEventDeps {
  db: Db;
  /** `WEBHOOK_SECRET`: the default company's secret when the database holds none. */
  config: { WEBHOOK_SECRET?: string | undefined };
  now?: () => number;
}

/** The router of `POST /webhooks/alexis`. */
export function hrWebhookRouter(deps: HrWebhookDeps): Router {
  const router = new Router();
  router.post(
    '/webhooks/alexis',
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
      const result = await acceptAlexisEvent(deps, event);
      switch (result.outcome) {
        case 'duplicate':
          // A replay (or HR retrying): answered 200 so HR stops, but the operator should see it.
          logHrWebhookRejection(ctx, deps.logger, 'duplicate', 200, { redriven: result.redriven });
          ctx.status = 200;
          ctx.body = { status: 'duplicate', eventId: event.id };
          return;
        case 'stale':
          logHrWebhookRejection(ctx, deps.logger, 'staleVersion', 200, { redriven: result.redriven });
          ctx.status = 200;
          ctx.body = { status: 'stale', eventId: event.id, storedVersion: result.storedVersion };
          return;
        case 'unknownCompany':
          throw new HttpError(404, `unknown company ${event.companyId}`, 'unknownCompany');
        case 'accepted':
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
