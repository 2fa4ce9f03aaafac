/**
 * The Microsoft Entra app registration named in the configuration (ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET) and a
 * Graph client of it, for every process that talks to a real tenant: `joiner start|api|worker`.
 */
import type { JoinerConfig } from '../domain/config';
import type { EntraLogger, GraphDirectory } from '../entra/graph-directory';

/** What the console shows of the app registration. */
export interface EntraApp {
  clientId: string;
  authorityHost: string;
}

export interface ConfiguredEntra {
  directory: GraphDirectory;
  app: EntraApp;
}

/** The configured app registration; undefined when the configuration names none. */
export function configuredEntraApp(config: JoinerConfig): (EntraApp & { clientSecret: string }) | undefined {
  if (config.ENTRA_CLIENT_ID === undefined || config.ENTRA_CLIENT_SECRET === undefined) return undefined;
  return {
    clientId: config.ENTRA_CLIENT_ID,
    authorityHost: config.ENTRA_AUTHORITY_HOST,
    clientSecret: config.ENTRA_CLIENT_SECRET,
  };
}

/**
 * The configured app registration with a new Graph client (close it); undefined when the configuration names none.
 * The Graph client's modules (with @azure/identity) are loaded here, on demand: `joiner api` serves without them.
 */
export async function configuredEntra(
  config: JoinerConfig,
  logger?: EntraLogger,
): Promise<ConfiguredEntra | undefined> {
  const registration = configuredEntraApp(config);
  if (registration === undefined) return undefined;
  const { clientSecret, ...app } = registration;
  const { GraphDirectory } = await import('../entra/graph-directory.js');
  const directory = new GraphDirectory({ ...app, clientSecret, graphBaseUrl: config.GRAPH_BASE_URL, logger });
  return { directory, app };
}
