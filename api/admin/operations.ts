import Router from '@koa/router';
import { z } from 'zod';
import { LifecyclePhase } from '../../domain/lifecycle-phase';
import { applyPolicyChange, storedCompanyPolicies } from '../../domain/policies';
import { changeCompanyPolicies } from '../../orchestration/company-changes';
import {
  readEmployeeDetails,
  readInstallationStatus,
  readResyncStatus,
  ResyncScope,
  startOperatorResync,
  UnknownCompanyError,
} from '../../orchestration/operations';
import type { Company } from '../../store/companies';
import { defaultCompanyId, getCompany } from '../../store/companies';
import { notStartedPhase, searchEmployees } from '../../store/employee-read-model';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { jsonBody } from '../middleware/json-body';
import { requireAdmin } from '../middleware/require-admin';

const companyIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
const CompanyId = z.string().regex(companyIdPattern, 'must be a company id');

/** Query of `GET /admin/api/employees`. */
export const EmployeeListParams = z.strictObject({
  company: CompanyId.optional(),
  phase: z.enum([...Object.values(LifecyclePhase), notStartedPhase]).optional(),
  search: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  after: z.string().max(200).optional(),
});

/** Body of `POST /admin/api/companies/:id/resync`. */
export const ResyncRequestBody = z.strictObject({
  scope: z.enum([ResyncScope.All, ResyncScope.Missing]).optional(),
});

function parseOr400<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(all)', message: i.message }));
  throw new HttpError(
    400,
    `invalid ${what}: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`,
    'invalidRequest',
    details,
  );
}

async function requireCompany(deps: AppDeps, companyId: string): Promise<Company> {
  const company = await getCompany(deps.db, companyId);
  if (company === null) throw new HttpError(404, `there is no company "${companyId}"`);
  return company;
}

/**
 * The operator's JSON API under `/admin/api` (administrator password), what `joiner employees|resync|status` use when
 * they cannot open the database themselves (embedded PGlite is locked by the running process):
 * `GET employees`, `GET employees/:id` (HR snapshot, workflow state, pending timers, last error, Temporal UI link),
 * `POST|GET companies/:id/resync` (start one; its progress), `GET|PATCH companies/:id/policies` (a change starts the
 * company's resync) and `GET status`.
 */
export function adminOperationsRouter(deps: AppDeps): Router {
  const router = new Router({ prefix: '/admin/api' });
  router.use(requireAdmin(deps.config.ADMIN_PASSWORD));
  router.use(jsonBody({ limit: '4kb', maxDepth: 3, maxNodes: 20 }));

  router.get('/employees', async (ctx) => {
    const params = parseOr400(EmployeeListParams, ctx.query, 'employee list query');
    const companyId = params.company ?? defaultCompanyId;
    await requireCompany(deps, companyId);
    const page = await searchEmployees(deps.db, companyId, {
      search: params.search ?? null,
      phase: params.phase ?? null,
      limit: params.limit,
      after: params.after ?? null,
    });
    ctx.body = { companyId, ...page };
  });

  router.get('/employees/:id', async (ctx) => {
    const companyId = parseOr400(CompanyId.optional(), ctx.query.company, 'company') ?? defaultCompanyId;
    const employeeId = ctx.params.id!;
    const details = await readEmployeeDetails(
      { db: deps.db, client: deps.temporal.client },
      deps.config,
      companyId,
      employeeId,
    );
    if (details === null) throw new HttpError(404, `company ${companyId} has no employee "${employeeId}"`);
    ctx.body = details;
  });

  router.post('/companies/:id/resync', async (ctx) => {
    const companyId = parseOr400(CompanyId, ctx.params.id, 'company id');
    const body = parseOr400(ResyncRequestBody, ctx.request.body ?? {}, 'resync request');
    try {
      const result = await startOperatorResync(
        { db: deps.db, client: deps.temporal.client, taskQueue: deps.temporal.taskQueue },
        companyId,
        { scope: body.scope, reason: 'requested by an administrator' },
      );
      deps.logger.info({ companyId, workflowId: result.workflowId, started: result.started }, 'resync requested');
      ctx.status = 202;
      ctx.body = result;
    } catch (err) {
      if (err instanceof UnknownCompanyError) throw new HttpError(404, err.message);
      // The database said yes; only Temporal can refuse now. Say so rather than a bare 500.
      throw new HttpError(503, `Temporal did not start the resync: ${(err as Error).message}`, 'temporalUnavailable');
    }
  });

  router.get('/companies/:id/resync', async (ctx) => {
    const companyId = parseOr400(CompanyId, ctx.params.id, 'company id');
    await requireCompany(deps, companyId);
    ctx.body = await readResyncStatus(deps.temporal.client, companyId);
  });

  router.get('/companies/:id/policies', async (ctx) => {
    const companyId = parseOr400(CompanyId, ctx.params.id, 'company id');
    const company = await requireCompany(deps, companyId);
    ctx.body = { companyId, policies: storedCompanyPolicies(company.policies) };
  });

  router.patch('/companies/:id/policies', async (ctx) => {
    const companyId = parseOr400(CompanyId, ctx.params.id, 'company id');
    const company = await requireCompany(deps, companyId);
    const change = applyPolicyChange(storedCompanyPolicies(company.policies), ctx.request.body ?? {});
    if (!change.ok) {
      throw new HttpError(
        400,
        `invalid policies: ${change.problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
        'invalidPolicies',
        change.problems,
      );
    }
    const result = await changeCompanyPolicies(deps, companyId, change.policies);
    if (result.company === null) throw new HttpError(404, `there is no company "${companyId}"`);
    deps.logger.info({ companyId, changed: result.changed, resync: result.resync }, 'company policies changed');
    ctx.body = { companyId, policies: change.policies, changed: result.changed, resync: result.resync };
  });

  router.get('/status', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await readInstallationStatus({
      db: deps.db,
      temporal: deps.readiness?.temporal ?? null,
      namespace: deps.config.TEMPORAL_NAMESPACE,
      temporalUnavailableReason: 'this process does not check Temporal',
    });
  });
  return router;
}
