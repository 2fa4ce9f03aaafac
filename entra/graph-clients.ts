import { rootCertificates } from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RedirectHandler,
  RedirectHandlerOptions,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { Agent, fetch } from 'undici';
import { EntraError } from './directory';
import { EntraErrorType } from '../domain/entra-errors';
import { parseRetryAfterMs } from './graph-errors';
import { recordThrottleWait, ThrottleSource } from '../observability/metrics';

/** Authority hosts of Microsoft's clouds: only these may use instance discovery (it calls a Microsoft host). */
const microsoftAuthorityHosts = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

/** Graph hosts of Microsoft's clouds: the Graph client attaches tokens to these without `customHosts`. */
const microsoftGraphHosts = new Set([
  'graph.microsoft.com',
  'graph.microsoft.us',
  'dod-graph.microsoft.us',
  'microsoftgraph.chinacloudapi.cn',
]);

/**
 * How long Graph may ask us to wait before the SDK stops retrying in-process and the error goes to the caller.
 * See {@link InProcessRetry}.
 */
export interface InProcessRetry {
  /** Retries inside one call (0 turns the SDK's RetryHandler off). */
  maxRetries: number;
  /** Only a 429/503/504 whose Retry-After is at most this long is retried in-process. */
  maxRetryAfterMs: number;
}

/**
 * Default in-process retry: twice, and only when Graph asks for at most one second. Why: the Graph SDK would otherwise
 * sleep up to three times for whatever Retry-After says (minutes under a write budget), holding a Temporal activity
 * slot and hiding the throttling from the workflow. Short waits (Graph's fractional per-second RU buckets) are
 * cheaper to absorb here; anything longer surfaces as `EntraThrottled` with `retryAfterMs`, and Temporal schedules
 * the retry (`nextRetryDelay`) without holding a worker. 5xx without Retry-After are never retried here either.
 */
export const DEFAULT_IN_PROCESS_RETRY: InProcessRetry = { maxRetries: 2, maxRetryAfterMs: 1_000 };

/** Default size of the keep-alive connection pool to Graph (per origin, shared by all tenants). */
export const DEFAULT_MAX_CONNECTIONS = 32;

/** Everything needed to reach Entra and Graph for any tenant the app is consented in. */
export interface GraphConnectionOptions {
  /** Application (client) id of Joiner's multi-tenant app registration. */
  clientId: string;
  /** Its client secret. Never logged. */
  clientSecret: string;
  /** e.g. `https://login.microsoftonline.com`, or the Entra sandbox's URL. */
  authorityHost: string;
  /** e.g. `https://graph.microsoft.com`, or the Entra sandbox's URL (GRAPH_BASE_URL). */
  graphBaseUrl: string;
  /**
   * A CA certificate (PEM) to trust in addition to the public roots, for both identity and Graph: lets the process
   * trust the Entra sandbox without NODE_EXTRA_CA_CERTS (which Node reads only at start).
   */
  caCertificate?: string;
  /** Per-request timeout for Graph calls (default 30 s); a timeout maps to `EntraTransient`. */
  requestTimeoutMs?: number;
  /** In-process retry of throttled calls; see {@link DEFAULT_IN_PROCESS_RETRY}. */
  inProcessRetry?: InProcessRetry;
  /** Connections per Graph origin (default {@link DEFAULT_MAX_CONNECTIONS}); further calls queue for a free one. */
  maxConnections?: number;
}

/** The credential and Graph client of one tenant. */
export interface TenantGraph {
  readonly tenantId: string;
  readonly credential: ClientSecretCredential;
  readonly client: Client;
}

function trimSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * Builds and caches one `ClientSecretCredential` and one Graph `Client` per tenant (the credential holds MSAL's token
 * cache, so a token is fetched once per hour per tenant, not per call). Holds the connection pool; call {@link close} when
 * done.
 */
export class GraphClients {
  /** Graph's root, without a trailing slash, e.g. `https://graph.microsoft.com`. */
  readonly graphBaseUrl: string;
  /** The token scope for Graph: `<graph resource>/.default`. */
  readonly scope: string;
  private readonly authorityHost: string;
  private readonly dispatcher: Agent;
  private readonly trustedCa: string[] | undefined;
  private readonly tenants = new Map<string, TenantGraph>();

  constructor(private readonly options: GraphConnectionOptions) {
    this.graphBaseUrl = trimSlashes(options.graphBaseUrl);
    this.authorityHost = trimSlashes(options.authorityHost);
    for (const [name, url] of [
      ['authorityHost', this.authorityHost],
      ['graphBaseUrl', this.graphBaseUrl],
    ] as const) {
      if (!/^https:\/\//i.test(url)) throw new TypeError(`${name} must be an https:// URL`);
    }
    const graphHost = new URL(this.graphBaseUrl).hostname;
    // The emulator stands in for graph.microsoft.com and expects its scope; national clouds have their own resource.
    this.scope = microsoftGraphHosts.has(graphHost)
      ? `https://${graphHost}/.default`
      : 'https://graph.microsoft.com/.default';
    if (options.caCertificate !== undefined) {
      // `ca` replaces the default roots, so keep them: a CA option for the sandbox must not break real Microsoft hosts.
      this.trustedCa = [...rootCertificates, options.caCertificate];
    }
    // A bounded keep-alive pool per origin: unbounded, a burst of calls opens a TLS connection each, and the
    // handshake storm costs more than queueing (300 concurrent calls ended in ECONNRESETs against the sandbox).
    this.dispatcher = new Agent({
      connections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      ...(this.trustedCa === undefined ? {} : { connect: { ca: this.trustedCa } }),
    });
  }

  /** The cached credential and Graph client for `tenantId`, built on first use. */
  forTenant(tenantId: string): TenantGraph {
    let tenant = this.tenants.get(tenantId);
    if (tenant === undefined) {
      tenant = this.build(tenantId);
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  /** Drops a tenant's credential and client (e.g. after the integration was removed or reconnected). */
  forget(tenantId: string): void {
    this.tenants.delete(tenantId);
  }

  /** The per-request timeout to put on every Graph call. */
  get requestTimeoutMs(): number {
    return this.options.requestTimeoutMs ?? 30_000;
  }

  /**
   * Works out why the identity platform could not be resolved (MSAL reports a TLS failure, an unreachable host and
   * an unknown tenant all as `endpoints_resolution_error`) by fetching the tenant's OpenID configuration once:
   * an AADSTS error → `NotConnected` with it; an untrusted certificate → `NotConnected` naming TLS trust; a network
   * failure or a 5xx → `Transient`.
   */
  async diagnoseAuthority(tenantId: string, cause: unknown): Promise<EntraError> {
    const url = `${this.authorityHost}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`;
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(5_000),
        dispatcher: this.dispatcher,
      });
      const text = await response.text();
      const aadsts = /AADSTS\d+[^"]*/.exec(text)?.[0];
      if (response.ok) {
        return new EntraError(EntraErrorType.Transient, 'the identity platform could not be resolved; try again', {
          code: 'endpoints_resolution_error',
          cause,
        });
      }
      if (response.status >= 500 || response.status === 429) {
        return new EntraError(
          EntraErrorType.Transient,
          `the identity platform answered ${response.status} for the tenant's OpenID configuration`,
          { status: response.status, code: 'endpoints_resolution_error', cause },
        );
      }
      return new EntraError(
        EntraErrorType.NotConnected,
        aadsts !== undefined
          ? `Entra does not know tenant ${tenantId}: ${aadsts}`
          : `Entra answered ${response.status} for tenant ${tenantId}'s OpenID configuration`,
        { status: response.status, code: /AADSTS\d+/.exec(aadsts ?? '')?.[0] ?? 'endpoints_resolution_error', cause },
      );
    } catch (error) {
      const reason = networkReason(error);
      if (/CERT|SSL|TLS|self[- ]signed/i.test(reason)) {
        return new EntraError(
          EntraErrorType.NotConnected,
          `the identity platform at ${this.authorityHost} presented a certificate this process does not trust (${reason})`,
          { code: 'tls', cause },
        );
      }
      return new EntraError(
        EntraErrorType.Transient,
        `the identity platform at ${this.authorityHost} could not be reached (${reason})`,
        { code: 'network', cause },
      );
    }
  }

  /**
   * Checks that the identity platform and Graph answer over HTTPS (with the trusted certificates), without a token:
   * the identity platform's shared OpenID configuration must be a 200; any HTTP answer from Graph's root counts.
   * For `/readyz` of the worker: a failure names the host and the network reason.
   * @throws Error naming the unreachable host
   */
  async checkReachable(timeoutMs = 2_500): Promise<void> {
    const probes = [
      { url: `${this.authorityHost}/organizations/v2.0/.well-known/openid-configuration`, needOk: true },
      { url: `${this.graphBaseUrl}/`, needOk: false },
    ];
    await Promise.all(
      probes.map(async ({ url, needOk }) => {
        let response;
        try {
          response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), dispatcher: this.dispatcher });
          await response.body?.cancel();
        } catch (error) {
          throw new Error(`${new URL(url).host} could not be reached (${networkReason(error)})`);
        }
        if (needOk && !response.ok) throw new Error(`${new URL(url).host} answered ${response.status}`);
      }),
    );
  }

  /** Closes the connection pool. The instance must not be used afterwards. */
  async close(): Promise<void> {
    this.tenants.clear();
    await this.dispatcher.close();
  }

  /**
   * A new credential for `tenantId` with an empty token cache: for connection checks, which must reach the token
   * endpoint (a cached token would hide revoked consent for up to an hour).
   */
  freshCredential(tenantId: string): ClientSecretCredential {
    const authorityIsMicrosoft = microsoftAuthorityHosts.has(new URL(this.authorityHost).hostname);
    return new ClientSecretCredential(tenantId, this.options.clientId, this.options.clientSecret, {
      authorityHost: this.authorityHost,
      // Instance discovery calls a hard-coded Microsoft host: skip it for anything else (the sandbox).
      disableInstanceDiscovery: !authorityIsMicrosoft,
      // One quick retry for token-endpoint outages; longer waits are the workflow's (Temporal) business.
      retryOptions: { maxRetries: 1, retryDelayInMs: 500 },
      ...(this.trustedCa === undefined ? {} : { tlsOptions: { ca: this.trustedCa } }),
    });
  }

  private build(tenantId: string): TenantGraph {
    const credential = this.freshCredential(tenantId);
    const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [this.scope] });
    const graphHost = new URL(this.graphBaseUrl).hostname;
    const client = Client.initWithMiddleware({
      // The default chain, except for the retry policy (the client links the array itself).
      middleware: [
        new AuthenticationHandler(authProvider),
        new RetryHandler(retryOptions(this.options.inProcessRetry ?? DEFAULT_IN_PROCESS_RETRY)),
        new RedirectHandler(new RedirectHandlerOptions()),
        new TelemetryHandler(),
        new TransportErrorHandler(),
        new HTTPMessageHandler(),
      ],
      baseUrl: this.graphBaseUrl,
      defaultVersion: 'v1.0',
      // A bare host name: with a port the client silently sends no token.
      ...(microsoftGraphHosts.has(graphHost) ? {} : { customHosts: new Set([graphHost]) }),
      fetchOptions: { dispatcher: this.dispatcher },
    });
    return { tenantId, credential, client };
  }
}

function retryOptions(policy: InProcessRetry): RetryHandlerOptions {
  return new RetryHandlerOptions(0, policy.maxRetries, (_delay, _attempt, _request, _options, response) => {
    const retryAfterMs = parseRetryAfterMs(response.headers.get('Retry-After'));
    const retry = retryAfterMs !== undefined && retryAfterMs <= policy.maxRetryAfterMs;
    // Waits Graph asks for and the SDK sleeps through here never reach the caller: count them where they happen.
    if (retry) recordThrottleWait(ThrottleSource.Graph, retryAfterMs / 1000);
    return retry;
  });
}

/**
 * Names why a request got no response. fetch throws a bare "fetch failed" with the reason (ECONNRESET, a TLS
 * verification error, a connect timeout) in its `cause`, which the Graph client drops when it builds its GraphError;
 * this rethrows with the reason in the message (it names no secret: only codes and socket messages).
 */
class TransportErrorHandler implements Middleware {
  private next: Middleware | undefined;

  async execute(context: Context): Promise<void> {
    try {
      await this.next?.execute(context);
    } catch (error) {
      if (!(typeof error === 'object' && error !== null && 'cause' in error)) throw error;
      const transportError = new Error(networkReason(error));
      transportError.name = (error as { name?: string }).name ?? 'TypeError';
      throw transportError;
    }
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** The chain of codes and messages of a network error and its causes, e.g. `fetch failed ← ECONNRESET: …`. */
export function networkReason(error: unknown): string {
  let current: unknown = error;
  const parts: string[] = [];
  // Duck-typed: errors from undici may come from another realm (e.g. under jest), where `instanceof Error` fails.
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    const text = typeof message === 'string' ? message : '';
    parts.push(typeof code === 'string' ? `${code}: ${text}` : text);
    current = cause;
  }
  return parts.filter((p) => p !== '').join(' ← ') || String(error);
}
