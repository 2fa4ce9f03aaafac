import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import type { ConsentMode, SandboxContext, SandboxSettings } from './context';
import { SandboxControl } from './control';
import { controlRoutes } from './control-routes';
import { FaultInjector } from './faults';
import { graphMiddleware } from './graph-server';
import { identityRoutes } from './identity';
import { TokenSigner } from './signing';
import type { TenantSeed, TenantSize } from './state';
import { SandboxStore } from './state';
import type { ThrottleLimits, ThrottleLimitsPatch } from './throttling';
import { ThrottleBudget, graphThrottleLimits, mergeLimits } from './throttling';
import { ensureCertificate } from './tls';

export interface EntraSandboxOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1 (the certificate covers localhost and 127.0.0.1). */
  host?: string;
  /**
   * Where the certificate, signing key and directory state (tenants, app secret, users) are kept. Reusing a dir keeps
   * ids, secret, users and the trusted certificate. Default: a fresh temp dir, removed on close.
   */
  dataDir?: string;
  /** Mount the control API under `/_sandbox` (default false). */
  control?: boolean;
  /** Delay added to every Graph and token response in ms, or `[min, max]` (default 0). */
  latencyMs?: number | [number, number];
  /** How long a new user stays invisible to reads by id/UPN and to lists, in ms (default 0). */
  replicationLagMs?: number;
  /** Whether writes to a user still replicating 404 as well (default false: only reads lag). */
  replicationLagAffectsWrites?: boolean;
  /** Access-token lifetime in seconds (default 3599, as Entra). */
  tokenLifetimeSeconds?: number;
  /** Throttling limits (default: Graph's real ones); `false` disables throttling. */
  throttling?: ThrottleLimitsPatch | false;
  /** Size of the seeded tenants, which sets the resource-unit budget (default small: 3,500 RU / 10 s). */
  tenantSize?: TenantSize;
  /** Application permissions of the pre-consented app (default {@link defaultAppPermissions}); first start only. */
  appPermissions?: string[];
  /** Extra tenants to create (skipped when a tenant with the first domain exists already). */
  tenants?: TenantSeed[];
  /** How `adminconsent` decides (default `prompt`: an Accept/Cancel page). */
  consentMode?: ConsentMode;
}

/** A running sandbox: what a client needs to connect, and the control surface. */
export interface EntraSandbox {
  /** `https://localhost:PORT`: both the authority host and the Graph base URL. */
  url: string;
  /** The pre-consented tenant (Contoso). */
  tenantId: string;
  /** A tenant where the app has no consent yet (Northwind): tokens fail with AADSTS7000229 until consent. */
  unconsentedTenantId: string;
  /** The multi-tenant app registration. */
  clientId: string;
  clientSecret: string;
  /** Verified domains of the pre-consented tenant (contoso.com, contoso.onmicrosoft.com). */
  verifiedDomains: string[];
  /** The certificate to trust (`NODE_EXTRA_CA_CERTS`, `tlsOptions.ca`, undici `connect.ca`). */
  caCertPath: string;
  caCertPem: string;
  dataDir: string;
  /** `${url}/_sandbox` when the control API is enabled. */
  controlUrl: string | undefined;
  /** The control operations in-process (available even when the HTTP control API is off). */
  control: SandboxControl;
  /** Stops listening, closes connections, writes the state. */
  close(): Promise<void>;
}

/**
 * Starts the Entra ID + Microsoft Graph emulator over HTTPS.
 *
 * @example
 * const entra = await startEntraSandbox({ control: true });
 * const credential = new ClientSecretCredential(entra.tenantId, entra.clientId, entra.clientSecret, {
 *   authorityHost: entra.url, disableInstanceDiscovery: true, tlsOptions: { ca: entra.caCertPem } });
 */
export async function startEntraSandbox(options: EntraSandboxOptions = {}): Promise<EntraSandbox> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'entra-sandbox-')));
  const certificate = await ensureCertificate(dataDir);
  const store = await SandboxStore.open(dataDir, {
    ...(options.appPermissions ? { appPermissions: options.appPermissions } : {}),
    ...(options.tenantSize ? { tenantSize: options.tenantSize } : {}),
  });
  for (const seed of options.tenants ?? []) {
    if (seed.domains[0] && !store.tenant(seed.domains[0].name)) store.addTenant(seed);
  }
  const signer = await TokenSigner.open(dataDir);

  const settings: SandboxSettings = {
    latencyMs: options.latencyMs ?? 0,
    replicationLagMs: options.replicationLagMs ?? 0,
    replicationLagAffectsWrites: options.replicationLagAffectsWrites ?? false,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
    consentMode: options.consentMode ?? 'prompt',
  };
  const limits: ThrottleLimits = mergeLimits(graphThrottleLimits, options.throttling || {});
  const throttle = new ThrottleBudget(structuredClone(limits), options.throttling !== false);
  const sandbox: SandboxContext = { store, signer, settings, throttle, faults: new FaultInjector(), log: [] };
  const control = new SandboxControl(sandbox, structuredClone(settings), limits, throttle.enabled);

  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      console.error('entra sandbox: unexpected error', err);
      ctx.status = 500;
      ctx.body = { error: 'internal sandbox error' };
    }
  });
  // A write is answered once it is on disk (reads change nothing): what the stand-in acknowledged survives a kill -9.
  app.use(async (ctx, next) => {
    await next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') await store.persisted();
  });
  app.use(graphMiddleware(sandbox));
  if (options.control) {
    const routes = controlRoutes(control);
    app.use(routes.routes()).use(routes.allowedMethods());
  }
  const identity = identityRoutes(sandbox);
  app.use(identity.routes()).use(identity.allowedMethods());

  const handle = app.callback();
  const server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `https://localhost:${port}`;
  const tenant = store.state.tenants[store.state.defaultTenantId]!;
  const appRegistration = store.state.apps[store.state.defaultAppId]!;

  return {
    url,
    tenantId: tenant.id,
    unconsentedTenantId: store.state.unconsentedTenantId,
    clientId: appRegistration.appId,
    clientSecret: appRegistration.secrets[0]!,
    verifiedDomains: tenant.domains.filter((d) => d.isVerified).map((d) => d.id),
    caCertPath: certificate.certPath,
    caCertPem: certificate.certPem,
    dataDir,
    controlUrl: options.control ? `${url}/_sandbox` : undefined,
    control,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.flush();
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export { defaultAppPermissions } from './state';
export type { TenantSeed, TenantSize } from './state';
export type { ConsentMode } from './context';
export type { FaultSpec } from './faults';
