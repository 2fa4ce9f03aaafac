/**
 * The Entra of a Joiner process: Microsoft's from the configured app registration, or the in-process Entra stand-in
 * when none is configured (`joiner start`); the default company's connection from configuration; and what the
 * console needs of Entra in `joiner api`, which has no worker.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type * as EntraSandboxPackage from '@joiner/entra-sandbox';
import type { ConsoleEntra } from '../api/console/integration';
import type { JoinerConfig } from '../domain/config';
import type { GraphDirectory } from '../entra/graph-directory';
import { connectEntra, defaultCompanyId, getCompany } from '../store/companies';
import type { Database } from '../store/db';
import type { Closer } from './closers';
import type { EntraApp } from './configured-entra';
import { configuredEntra, configuredEntraApp } from './configured-entra';

/** The package of the Entra stand-in: a dev dependency, so a production install (`npm ci --omit=dev`) lacks it. */
const entraSandboxPackage = '@joiner/entra-sandbox';

/**
 * Loads the Entra stand-in on demand, so that the product neither bundles it nor needs it installed when
 * ENTRA_CLIENT_ID is set. A missing package becomes one message that says what to do instead.
 */
export async function loadEntraSandbox(): Promise<typeof EntraSandboxPackage> {
  try {
    return (await import(entraSandboxPackage)) as typeof EntraSandboxPackage;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    // Installed (npm ci links it) but not built: its entry point, dist/index.js, is what is missing.
    if ((err as Error).message.includes(path.join('entra-sandbox', 'dist'))) {
      throw new Error(
        `the Entra sandbox (${entraSandboxPackage}) is installed but not built: run \`npm run build:sandbox\` ` +
          '(`npm start` builds it), or set ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET to use a Microsoft Entra tenant',
        { cause: err },
      );
    }
    throw new Error(
      `ENTRA_CLIENT_ID is not set and the Entra sandbox (${entraSandboxPackage}, a dev dependency) is not installed: set ` +
        'ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET to use a Microsoft Entra tenant, or install the dev dependencies ' +
        '(npm ci) to run against the stand-in',
      { cause: err },
    );
  }
}

/**
 * The Entra directory: Microsoft's when ENTRA_CLIENT_ID is set, else an in-process Entra sandbox (its state kept in
 * DATA_DIR/entra-sandbox). ENTRA_TENANT_ID connects the default company without the console's admin-consent flow; with the sandbox
 * and no ENTRA_TENANT_ID, a default company that never had a tenant is connected to the sandbox tenant so the flow can be
 * tried by hand. Only then: an operator's "Remove integration" in the console stays removed across restarts.
 */
export async function resolveEntra(
  config: JoinerConfig,
  database: Database,
  logger: Logger,
  closers: Closer[],
  sandboxPackage?: typeof EntraSandboxPackage,
): Promise<ResolvedEntra> {
  let configured = await configuredEntra(config, logger);
  let standInTenantId: string | undefined;
  if (configured === undefined) {
    const { startEntraSandbox } = sandboxPackage ?? (await loadEntraSandbox());
    const { GraphDirectory } = await import('../entra/graph-directory.js');
    const sandbox = await startEntraSandbox({
      port: 0,
      control: true,
      dataDir: path.resolve(config.DATA_DIR, 'entra-sandbox'),
    });
    closers.push({ what: 'the Entra sandbox', close: () => sandbox.close() });
    const app = { clientId: sandbox.clientId, authorityHost: sandbox.url };
    configured = {
      directory: new GraphDirectory({
        ...app,
        clientSecret: sandbox.clientSecret,
        graphBaseUrl: sandbox.url,
        caCertificate: sandbox.caCertPem,
        logger,
      }),
      app,
    };
    standInTenantId = sandbox.tenantId;
    logger.warn(
      {
        url: sandbox.url,
        controlUrl: sandbox.controlUrl,
        tenantId: sandbox.tenantId,
        domains: sandbox.verifiedDomains,
      },
      'ENTRA_CLIENT_ID is not set: using the in-process Entra sandbox (a stand-in for Microsoft Entra ID)',
    );
  }
  const { directory, app } = configured;
  closers.push({ what: 'the Graph client', close: () => directory.close() });
  const newlyConnected: string[] = [];
  const before = await getCompany(database.db, defaultCompanyId);
  // A tenant the company once had (connected, or removed in the console since) is the operator's choice to keep.
  const neverConnected = (before?.entraTenantId ?? null) === null;
  const tenantToConnect = config.ENTRA_TENANT_ID ?? (neverConnected ? standInTenantId : undefined);
  if (standInTenantId !== undefined && tenantToConnect === undefined && before?.entraStatus !== 'connected') {
    logger.info(
      { tenantId: before?.entraTenantId },
      'the default company’s Entra integration was removed: left removed (Integrate in the console connects it again)',
    );
  }
  if (tenantToConnect !== undefined) {
    await connectEntra(database.db, defaultCompanyId, tenantToConnect);
    logger.info({ tenantId: tenantToConnect }, 'default company connected to its Entra tenant from configuration');
    if (before?.entraStatus !== 'connected' || before.entraTenantId !== tenantToConnect) {
      newlyConnected.push(defaultCompanyId);
    }
  }
  const made = Promise.resolve(directory);
  return { directory, console: consoleEntra(app, () => made), newlyConnected };
}

/** The Entra of a process that runs the worker: see {@link resolveEntra}. */
export interface ResolvedEntra {
  directory: GraphDirectory;
  console: ConsoleEntra;
  /** The companies {@link resolveEntra} connected to a tenant (or to another one): the worker resyncs them. */
  newlyConnected: string[];
}

/**
 * The console's Entra for `joiner api`: a Graph client of its own when ENTRA_CLIENT_ID is set (the worker has
 * another), made at the console's first use of it, so that a restarted API serves without loading it; without
 * credentials the Integrations page says how to set them.
 */
export function apiProcessEntra(config: JoinerConfig, logger: Logger, closers: Closer[]): ConsoleEntra | undefined {
  const registration = configuredEntraApp(config);
  if (registration === undefined) return undefined;
  let made: Promise<GraphDirectory> | undefined;
  const directory = () => (made ??= configuredEntra(config, logger).then((configured) => configured!.directory));
  closers.push({ what: 'the Graph client', close: async () => (await made)?.close() });
  return consoleEntra(registration, directory, () => made);
}

/**
 * What the console's Integrations page needs of Entra: the app registration and the live connection check, over the
 * Graph client `directory()` gives; `made()` is that client if there is one yet (forgetting a tenant makes none).
 */
function consoleEntra(
  app: EntraApp,
  directory: () => Promise<GraphDirectory>,
  made: () => Promise<GraphDirectory> | undefined = directory,
): ConsoleEntra {
  return {
    clientId: app.clientId,
    authorityHost: app.authorityHost,
    probeConnection: async (tenant) => (await directory()).probeConnection(tenant),
    listVerifiedDomains: async (tenant) => (await directory()).listVerifiedDomains(tenant),
    forgetTenant: (tenant) =>
      void made()
        ?.then((d) => d.forgetTenant(tenant))
        .catch(() => undefined),
  };
}
