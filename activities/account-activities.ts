import type { AccountActivities } from '../domain/activity-contracts';
import type { Db } from '../store/db';
import { purgeDeletedScimUser } from '../store/scim-users';

/** The account lifecycle's activities ({@link AccountActivities}), over the store. Built once by the worker. */
export function createAccountActivities(db: Db): AccountActivities {
  return {
    async purgeDeletedScimUser(input) {
      return purgeDeletedScimUser(db, input.companyId, input.scimUserId);
    },
  };
}
