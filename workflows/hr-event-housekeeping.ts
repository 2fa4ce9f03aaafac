/**
 * hrEventHousekeepingWorkflow: deletes settled HR events (delivered to their workflow, or stale) older than the
 * retention (HR_EVENT_RETENTION_DAYS). Run once a day by a Temporal Schedule. Undelivered events are never deleted;
 * dedupe stays safe because versions only rise (a forgotten event HR sends again is stale and changes nothing).
 */
import { log, proxyActivities } from '@temporalio/workflow';
import type { StoreActivities } from '../domain/activity-contracts';
import { storeActivity } from './activity-options';
import type { HrEventHousekeepingInput } from './definitions';

const store = proxyActivities<StoreActivities>({ ...storeActivity, startToCloseTimeout: '5 minutes' });

/** Deletes the settled HR events older than `retentionDays`; resolves to how many. */
export async function hrEventHousekeepingWorkflow(input: HrEventHousekeepingInput): Promise<{ deleted: number }> {
  const result = await store.deleteSettledHrEvents({ retentionDays: input.retentionDays });
  log.info('settled HR events deleted', { ...result, retentionDays: input.retentionDays });
  return { deleted: result.deleted };
}
