/**
 * The requests of the webhook benchmark, made in the load generator's process (bench/lib/load-process.ts): request
 * `i` is a signed `employee.onboarded` event for a new employee, as AlexisHR sends it, so every request is a new
 * event that Joiner stores and hands to a new employee workflow.
 */
import { alexisSignatureHeader, signAlexisPayload } from '../api/hr-webhook/signature';
import type { LoadRequest } from './lib/load';

export interface WebhookRequestOptions {
  secret: string;
  /** Distinguishes the events (and employees) of one load run from another's. */
  prefix: string;
}

export function makeRequest(i: number, { secret, prefix }: WebhookRequestOptions): LoadRequest {
  const body = JSON.stringify({
    id: `evt_${prefix}_${i}`,
    type: 'employee.onboarded',
    occurredAt: new Date().toISOString(),
    companyId: 'default',
    data: {
      employee: {
        id: `${prefix}_${i}`,
        version: 1,
        firstName: 'Ada',
        lastName: `Lovelace ${i}`,
        workEmail: `${prefix}.${i}@contoso.com`,
      },
    },
  });
  return {
    method: 'POST',
    path: '/webhooks/alexis',
    headers: { 'content-type': 'application/json', [alexisSignatureHeader]: signAlexisPayload(secret, body) },
    body,
  };
}
