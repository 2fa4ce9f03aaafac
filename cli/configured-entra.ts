/**
 * The Microsoft Entra app registration named in the configuration (ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET) and a
 * Graph client of it, for every process that talks to a real tenant: `joiner start|api|worker` and `joiner status`.
 */
import type { JoinerConfig } from '../domain/config';
import type { EntraLogger } from '../entra/graph-directory';
import { GraphDirectory } from '../entra/graph-directory';

export interface ConfiguredEntra {
  directory: GraphDirectory;
  /** What the console shows of the app registration. */
  app: { clientId: string; authorityHost: string };
}

/** The configured app registration with a new Graph client (close it); undefined when the configuration names none. */
export function configuredEntra(config: JoinerConfig, logger?: EntraLogger): ConfiguredEntra | undefined {
  if (config.ENTRA_CLIENT_ID === undefined || config.ENTRA_CLIENT_SECRET === undefined) return undefined;
  const app = { clientId: config.ENTRA_CLIENT_ID, authorityHost: config.ENTRA_AUTHORITY_HOST };
  const directory = new GraphDirectory({
    ...app,
    clientSecret: config.ENTRA_CLIENT_SECRET,
    graphBaseUrl: config.GRAPH_BASE_URL,
    logger,
  });
  return { directory, app };
}
