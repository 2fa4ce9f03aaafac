import type Router from '@koa/router';
import type { Logger } from 'pino';
import type { ConsoleEntra } from './console/integration';
import type { JoinerConfig } from '../domain/config';
import type { ReadinessChecks } from '../observability/probes';
import type { AccountSignalOutbox } from '../orchestration/account-events';
import type { HrEventOutbox } from '../orchestration/hr-outbox-relay';
import type { TemporalDeps } from '../orchestration/temporal';
import type { Db } from '../store/db';
import type { AccessTokenVerifier } from './scim/auth';

/** Everything the API needs, built once by the process entry and injected (nothing is built at import time). */
export interface AppDeps {
  /** The database (PostgreSQL or PGlite). */
  db: Db;
  temporal: TemporalDeps;
  config: JoinerConfig;
  logger: Logger;
  /** What `/readyz` checks beyond the database (e.g. `temporal`, and `entra` where the worker runs in-process). */
  readiness?: ReadinessChecks;
  /** Entra for the console's Integrations page (consent URL, live connection check); absent without credentials. */
  entra?: ConsoleEntra;
  /**
   * The outbox relay that hands accepted HR events to Temporal. Absent, an accepted event waits in the database's
   * outbox for whichever relay polls it (another API process's, or this one's after a restart).
   */
  outbox?: HrEventOutbox;
  /**
   * The relay that hands the signals SCIM writes commit to Temporal. Absent, they wait in the database's outbox for
   * whichever relay polls it.
   */
  accountSignals?: AccountSignalOutbox;
  /**
   * The SCIM bearer-token verifier of this app, shared by the SCIM endpoint and the routes that revoke tokens, so a
   * token revoked here is refused at once; {@link createApp} makes one when absent.
   */
  tokenVerifier?: AccessTokenVerifier;
}

/** Builds one router (or a set of routes) of the app from its dependencies. */
export type RouterFactory = (deps: AppDeps) => Router;
