import Koa from 'koa';
import type Router from '@koa/router';
import type { WorkflowClient } from '@temporalio/client';
import type { Logger } from 'pino';
import type { JoinerConfig } from '../domain/config';
import { errorHandler } from './middleware/error-handler';
import { healthRouter } from './routes/health';

/** The part of the Temporal client routes use: signal-with-start, start and handles. Tests pass a real client. */
export type WorkflowClientLike = Pick<WorkflowClient, 'signalWithStart' | 'start' | 'getHandle'>;

/** Everything the API needs, built once by the process entry and injected (nothing is built at import time). */
export interface AppDeps {
  /** The database (PostgreSQL or PGlite); typed by the store once it lands. */
  db: unknown;
  temporal: { client: WorkflowClientLike; taskQueue: string };
  config: JoinerConfig;
  logger: Logger;
}

/** Builds one router (or a set of routes) of the app from its dependencies. */
export type RouterFactory = (deps: AppDeps) => Router;

/**
 * The routers the app mounts, by name, in order. Add a part of the API by adding an entry here (or pass your own
 * list to {@link createApp} in a test). Each router owns its body parsing and limits.
 */
export const defaultRouters: Readonly<Record<string, RouterFactory>> = {
  health: () => healthRouter(),
};

/**
 * Builds the Koa app: one error middleware on top (4xx show their message, 5xx a generic one), then the routers.
 * Only the process entry calls `listen`; tests use `createApp(deps).callback()` on an ephemeral server.
 */
export function createApp(deps: AppDeps, routers: Readonly<Record<string, RouterFactory>> = defaultRouters): Koa {
  const app = new Koa();
  app.proxy = false;
  // Errors are logged once by errorHandler; Koa's default handler would print them again.
  app.silent = true;
  app.use(errorHandler(deps.logger));
  for (const factory of Object.values(routers)) {
    const router = factory(deps);
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}
