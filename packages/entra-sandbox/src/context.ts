import type { FaultInjector } from './faults';
import type { TokenSigner } from './signing';
import type { SandboxStore } from './state';
import type { ThrottleBudget } from './throttling';

/** How `adminconsent` answers: show a page with Accept/Cancel, or decide at once (for automated tests). */
export const ConsentMode = { prompt: 'prompt', grant: 'grant', deny: 'deny' } as const;
export type ConsentMode = (typeof ConsentMode)[keyof typeof ConsentMode];

/** One entry of the request log served by the control API (bodies are never logged: they may hold passwords). */
export interface LoggedRequest {
  at: string;
  method: string;
  path: string;
  status: number;
  requestId: string;
  clientRequestId?: string;
  tenantId?: string;
  appId?: string;
  /** For `$batch`: the method and URL of each item with its status. */
  items?: { id: string; method: string; url: string; status: number }[];
}

/** Tunables that may change while the sandbox runs (control API `PUT /_sandbox/settings`). */
export interface SandboxSettings {
  /** Extra delay before every Graph and token response, in ms (`[min, max]` draws uniformly). */
  latencyMs: number | [number, number];
  /** How long a created user stays invisible to reads (GET by id/UPN, lists), in ms. */
  replicationLagMs: number;
  /**
   * Whether writes addressed to a user still replicating (PATCH, DELETE, manager references to or from it, revoke)
   * 404 too, as Graph sometimes does right after a create. Uniqueness checks always see the user.
   */
  replicationLagAffectsWrites: boolean;
  /** Lifetime of issued access tokens, in seconds. */
  tokenLifetimeSeconds: number;
  consentMode: ConsentMode;
  /** Tenant that `common`/`organizations` consent applies to when not prompting; default: the unconsented tenant. */
  consentTenantId?: string;
}

/** Everything the route modules share. */
export interface SandboxContext {
  store: SandboxStore;
  signer: TokenSigner;
  settings: SandboxSettings;
  throttle: ThrottleBudget;
  faults: FaultInjector;
  log: LoggedRequest[];
}

/** Waits the configured latency. */
export async function simulateLatency(settings: SandboxSettings): Promise<void> {
  const { latencyMs } = settings;
  const ms = Array.isArray(latencyMs) ? latencyMs[0] + Math.random() * (latencyMs[1] - latencyMs[0]) : latencyMs;
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}
