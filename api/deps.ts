import type Router from '@koa/router';
import type { WorkflowClient } from '@temporalio/client';
import type { Logger } from 'pino';
import type { JoinerConfig } from '../domain/config';
import type { Db } from '../store/db';

/** The part of the Temporal client routes use: signal-with-start, start and handles. Tests pass a real client. */
export type WorkflowClientLike = Pick<WorkflowClient, 'signalWithStart' | 'start' | 'getHandle'>;

/** Everything the API needs, built once by the process entry and injected (nothing is built at import time). */
export interface AppDeps {
  /** The database (PostgreSQL or PGlite). */
  db: Db;
  temporal: { client: WorkflowClientLike; taskQueue: string };
  config: JoinerConfig;
  logger: Logger;
}

/** Builds one router (or a set of routes) of the app from its dependencies. */
export type RouterFactory = (deps: AppDeps) => Router;
