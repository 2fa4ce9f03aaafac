import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import { databaseErrorMessage, summarizeDatabaseError } from '../store/pg-errors';

/**
 * Replaces a database error thrown by an activity with one that names only its SQLSTATE, table and constraint. The
 * activity's failure is written into the workflow's history and logged by the worker; drizzle's message would put
 * the statement's parameters (employee names, emails) in both. The replacement is retried like the original.
 */
export class DatabaseErrorScrubber implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      const summary = summarizeDatabaseError(err);
      if (summary === undefined) throw err;
      const scrubbed = new Error(databaseErrorMessage(summary));
      scrubbed.name = 'DatabaseError';
      throw scrubbed;
    }
  }
}
