import type Router from '@koa/router';
import type { Context } from 'koa';
import type { ResourceData } from '../../domain/scim/coerce';
import { ScimError } from '../../domain/scim/errors';
import { parseScimFilter } from '../../domain/scim/filter';
import { listResponse, parsePage } from '../../domain/scim/paging';
import { parsePatchRequest } from '../../domain/scim/patch-request';
import { parseProjection, project } from '../../domain/scim/projection';
import { finaliseUser, userKeys, userResource } from '../../domain/scim/user';
import { applyUserPatch } from '../../domain/scim/user-patch';
import { AccountChange } from '../../workflows/account-definitions';
import {
  deleteScimUser,
  getScimUser,
  insertScimUser,
  listScimUsers,
  lockScimUser,
  ScimUserNameTakenError,
  updateScimUser,
  type ScimUserRow,
} from '../../store/scim-users';
import type { AccountSnapshot } from '../../orchestration/account-events';
import { scimCompanyId } from './auth';
import { companyPolicies, queryParam, userRules, type ScimDeps } from './context';
import { linkEmployee, type EmployeeLink } from './employee-link';
import { sendScim } from './responses';

const notFound = (id: string) => ScimError.notFound(`User ${id} not found`);

function representation(deps: ScimDeps, row: ScimUserRow, ctx: Context): Record<string, unknown> {
  const projection = parseProjection('User', queryParam(ctx, 'attributes'), queryParam(ctx, 'excludedAttributes'));
  const resource = userResource(
    row.resource,
    { id: row.id, created: row.createdAt, lastModified: row.updatedAt, version: row.version },
    deps.baseUrl,
  );
  return project(resource, projection);
}

function snapshot(row: ScimUserRow, employeeId: string | null): AccountSnapshot {
  return {
    version: row.version,
    userName: row.userName,
    active: row.active,
    externalId: row.externalId,
    employeeId,
  };
}

function changeOf(before: ScimUserRow | undefined, after: ScimUserRow): AccountChange {
  if (!before) return AccountChange.Created;
  if (before.active && !after.active) return AccountChange.Deactivated;
  if (!before.active && after.active) return AccountChange.Reactivated;
  return AccountChange.Updated;
}

/** Writes a user's new data (create when `existing` is undefined) and links it; one transaction. */
async function writeUser(
  deps: ScimDeps,
  companyId: string,
  id: string | undefined,
  nextData: (current: ResourceData | undefined) => ResourceData,
): Promise<{ before: ScimUserRow | undefined; after: ScimUserRow; link: EmployeeLink } | null> {
  try {
    return await deps.db.transaction(async (tx) => {
      let before: ScimUserRow | undefined;
      if (id !== undefined) {
        const locked = await lockScimUser(tx, companyId, id);
        if (!locked) return null;
        before = locked;
      }
      const data = nextData(before?.resource);
      const keys = userKeys(data);
      const after =
        id === undefined
          ? await insertScimUser(tx, companyId, data, keys)
          : await updateScimUser(tx, companyId, id, data, keys);
      if (!after) return null;
      const link = await linkEmployee(tx, companyId, after, keys.linkEmail, deps.logger);
      return { before, after: { ...after, employeeId: link.employeeId }, link };
    });
  } catch (err) {
    if (err instanceof ScimUserNameTakenError) throw ScimError.conflict(err.message);
    throw err;
  }
}

async function afterWrite(
  deps: ScimDeps,
  companyId: string,
  written: { before: ScimUserRow | undefined; after: ScimUserRow; link: EmployeeLink },
): Promise<void> {
  const { before, after, link } = written;
  await deps.events.accountChanged(companyId, after.id, changeOf(before, after), snapshot(after, link.employeeId));
  if (link.handOff) {
    await deps.events.entraObjectLinked(companyId, link.handOff.employeeId, {
      entraObjectId: link.handOff.entraObjectId,
      scimUserId: after.id,
      userName: after.userName,
    });
  }
}

/** Registers `/Users` (list with filter and paging, get, create, replace, patch, delete) on the SCIM router. */
export function registerUserRoutes(router: Router, deps: ScimDeps): void {
  router.get('/Users', async (ctx) => {
    const companyId = scimCompanyId(ctx);
    const filterText = queryParam(ctx, 'filter');
    const filter =
      filterText === undefined || filterText.trim() === '' ? undefined : parseScimFilter('User', filterText);
    const page = parsePage(queryParam(ctx, 'startIndex'), queryParam(ctx, 'count'));
    const projection = parseProjection('User', queryParam(ctx, 'attributes'), queryParam(ctx, 'excludedAttributes'));
    const { totalResults, rows } = await listScimUsers(deps.db, companyId, filter, page);
    const resources = rows.map((row) =>
      project(
        userResource(
          row.resource,
          { id: row.id, created: row.createdAt, lastModified: row.updatedAt, version: row.version },
          deps.baseUrl,
        ),
        projection,
      ),
    );
    sendScim(ctx, 200, listResponse(resources, totalResults, page));
  });

  router.get('/Users/:id', async (ctx) => {
    const row = await getScimUser(deps.db, scimCompanyId(ctx), ctx.params.id!);
    if (!row) throw notFound(ctx.params.id!);
    sendScim(ctx, 200, representation(deps, row, ctx));
  });

  router.post('/Users', async (ctx) => {
    const companyId = scimCompanyId(ctx);
    const rules = userRules(await companyPolicies(deps.db, companyId));
    const data = finaliseUser(ctx.request.body, rules);
    const written = (await writeUser(deps, companyId, undefined, () => data))!;
    await afterWrite(deps, companyId, written);
    ctx.set('Location', `${deps.baseUrl}/Users/${written.after.id}`);
    sendScim(ctx, 201, representation(deps, written.after, ctx));
  });

  router.put('/Users/:id', async (ctx) => {
    const companyId = scimCompanyId(ctx);
    const rules = userRules(await companyPolicies(deps.db, companyId));
    const data = finaliseUser(ctx.request.body, rules);
    const written = await writeUser(deps, companyId, ctx.params.id, () => data);
    if (!written) throw notFound(ctx.params.id!);
    await afterWrite(deps, companyId, written);
    sendScim(ctx, 200, representation(deps, written.after, ctx));
  });

  router.patch('/Users/:id', async (ctx) => {
    const companyId = scimCompanyId(ctx);
    const operations = parsePatchRequest(ctx.request.body);
    const rules = userRules(await companyPolicies(deps.db, companyId));
    const written = await writeUser(deps, companyId, ctx.params.id, (current) =>
      applyUserPatch(current ?? {}, operations, rules),
    );
    if (!written) throw notFound(ctx.params.id!);
    await afterWrite(deps, companyId, written);
    sendScim(ctx, 200, representation(deps, written.after, ctx));
  });

  router.delete('/Users/:id', async (ctx) => {
    const companyId = scimCompanyId(ctx);
    const policies = await companyPolicies(deps.db, companyId);
    const retentionDays = policies.scimDeletedUserRetentionDays ?? null;
    const deleted = await deleteScimUser(deps.db, companyId, ctx.params.id!, retentionDays !== null);
    if (!deleted) throw notFound(ctx.params.id!);
    await deps.events.accountChanged(companyId, deleted.id, AccountChange.Deleted, {
      ...snapshot(deleted, deleted.employeeId),
      // A hard delete does not raise the version; the delete must still win over the last change.
      version: deleted.version + 1,
      active: false,
      retentionDays,
    });
    ctx.status = 204;
  });
}
