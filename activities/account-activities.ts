import type { Db } from '../store/db';
import { purgeDeletedScimUser } from '../store/scim-users';

/** Input of {@link AccountActivities.purgeDeletedScimUser}. */
export interface PurgeScimUserInput {
  companyId: string;
  scimUserId: string;
}

/**
 * Activities of the account lifecycle workflow, over the store. Built once by the worker with its database.
 */
export function createAccountActivities(db: Db) {
  return {
    /**
     * Removes a deleted SCIM user's data at the end of its retention period. Idempotent: a user already removed,
     * or live again, is left alone. @returns true when data was removed
     */
    async purgeDeletedScimUser(input: PurgeScimUserInput): Promise<boolean> {
      return purgeDeletedScimUser(db, input.companyId, input.scimUserId);
    },
  };
}

export type AccountActivities = ReturnType<typeof createAccountActivities>;
