import type { Client } from '@temporalio/client';
import { createAccountActivities } from '../activities/account-activities';
import type { TenantResolver } from '../activities/entra-activities';
import type { EntraActivities } from '../domain/activity-contracts';
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

/**
 * The Graph writes of the employee lifecycle, by the names workflows call them: what the Graph-write task queue's
 * worker registers (see `graphWritesTaskQueue`).
 */
export const graphWriteActivityNames = [
  'createEntraUser',
  'updateEntraUser',
  'setEntraManager',
  'removeEntraManager',
  'setEntraLeaveDateTime',
  'disableEntraAccount',
  'enableEntraAccount',
  'revokeEntraSessions',
  'deleteEntraUser',
] as const satisfies readonly (keyof EntraActivities)[];

/** The Entra activities over the process's clients; the store effects a Graph write carries go to `db`. */
function entraActivitiesOf(deps: Pick<LifecycleActivityDeps, 'db' | 'entra' | 'pacer'>): EntraActivities {
  return createEntraActivities(deps.entra, {
    resolveTenant: tenantResolverFromDb(deps.db),
    pacer: deps.pacer,
    store: createStoreActivities(deps.db),
  });
}

/** The Graph-write activities over the injected clients (they share its pacer with the other Entra activities). */
export function createGraphWriteActivities(deps: Pick<LifecycleActivityDeps, 'db' | 'entra' | 'pacer'>) {
  const entra = entraActivitiesOf(deps);
  const names = new Set<string>(graphWriteActivityNames);
  return Object.fromEntries(Object.entries(entra).filter(([name]) => names.has(name))) as Pick<
    EntraActivities,
    (typeof graphWriteActivityNames)[number]
  >;
}

/** Every activity the worker registers (HR → Entra lifecycle and SCIM accounts), by the names workflows call them. */
export function createLifecycleActivities(deps: LifecycleActivityDeps) {
  return {
    ...entraActivitiesOf(deps),
    ...createStoreActivities(deps.db),
    ...createOrchestrationActivities({ db: deps.db, client: deps.client, taskQueue: deps.taskQueue }),
    ...createAccountActivities(deps.db),
  };
}
