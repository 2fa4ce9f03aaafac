import type { Client } from '@temporalio/client';
import { createAccountActivities } from '../activities/account-activities';
import type { TenantResolver } from '../activities/entra-activities';
import { createEntraActivities } from '../activities/entra-activities';
import type { GraphWritePacer } from '../activities/graph-write-pacer';
import { createStoreActivities } from '../activities/store-activities';
import type { EntraDirectory } from '../entra/directory';
import { createOrchestrationActivities } from '../orchestration/orchestration-activities';
import { getConnectedTenantId } from '../store/companies';
import type { Db } from '../store/db';

/** The clients the lifecycle activities act through, built once by the process. */
export interface LifecycleActivityDeps {
  db: Db;
  entra: EntraDirectory;
  /** A Temporal client on the worker's namespace (to signal other employees' workflows). */
  client: Client;
  taskQueue: string;
  /** Paces Graph writes within the tenant's budget; omit to rely on Graph's 429s alone. */
  pacer?: GraphWritePacer;
}

/** The company's connected tenant, read at every Graph call so that removing the integration stops work at once. */
export function tenantResolverFromDb(db: Db): TenantResolver {
  return async (companyId) => {
    const tenantId = await getConnectedTenantId(db, companyId);
    return tenantId ? { tenantId } : null;
  };
}

/** Every activity the worker registers (HR → Entra lifecycle and SCIM accounts), by the names workflows call them. */
export function createLifecycleActivities(deps: LifecycleActivityDeps) {
  return {
    ...createEntraActivities(deps.entra, { resolveTenant: tenantResolverFromDb(deps.db), pacer: deps.pacer }),
    ...createStoreActivities(deps.db),
    ...createOrchestrationActivities({ db: deps.db, client: deps.client, taskQueue: deps.taskQueue }),
    ...createAccountActivities(deps.db),
  };
}
