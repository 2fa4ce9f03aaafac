import type { Client } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { createAccountActivities } from '../activities/account-activities';
import { createDirectoryActivities } from '../activities/directory-activities';
import type { TenantResolver } from '../activities/entra-activities';
import { createEntraActivities } from '../activities/entra-activities';
import type { GraphWritePacer } from '../activities/graph-write-pacer';
import { createOrchestrationActivities } from '../activities/orchestration-activities';
import type { EntraDirectory } from '../entra/directory';
import type { Db } from '../store/db';
import { companies } from '../store/schema';

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
    const rows = await db
      .select({ tenantId: companies.entraTenantId })
      .from(companies)
      .where(and(eq(companies.id, companyId), eq(companies.entraStatus, 'connected')))
      .limit(1);
    const tenantId = rows[0]?.tenantId;
    return tenantId ? { tenantId } : null;
  };
}

/** Every activity the worker registers (HR → Entra lifecycle and SCIM accounts), by the names workflows call them. */
export function createLifecycleActivities(deps: LifecycleActivityDeps) {
  const directory = createDirectoryActivities(deps.db);
  return {
    ...createEntraActivities(deps.entra, { resolveTenant: tenantResolverFromDb(deps.db), pacer: deps.pacer }),
    ...directory,
    ...createOrchestrationActivities({
      db: deps.db,
      client: deps.client,
      taskQueue: deps.taskQueue,
      loadEmployee: (input) => directory.loadEmployee(input),
    }),
    ...createAccountActivities(deps.db),
  };
}
