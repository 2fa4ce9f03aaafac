import type Router from '@koa/router';
import type { Context } from 'koa';
import { ScimError } from '../../domain/scim/errors';
import { parseScimFilter } from '../../domain/scim/filter';
import { listResponse, parsePage } from '../../domain/scim/paging';
import { parsePatchRequest } from '../../domain/scim/patch-request';
import { parseProjection, project, type Projection } from '../../domain/scim/projection';
import { finaliseUser, userResource } from '../../domain/scim/user';
import { getScimUser, listScimUsers, type ScimUserRow } from '../../store/scim-users';
import { scimCompanyId } from './auth';
import { queryParam, type ScimDeps } from './context';
import { sendScim } from './responses';
import { createUser, deleteUser, patchUser, replaceUser } from './user-writes';

const notFound = (id: string) => ScimError.notFound(`User ${id} not found`);

function projectionOf(ctx: Context): Projection {
  return parseProjection('User', queryParam(ctx, 'attributes'), queryParam(ctx, 'excludedAttributes'));
}

function representation(deps: ScimDeps, row: ScimUserRow, projection: Projection): Record<string, unknown> {
  const resource = userResource(
    row.resource,
    { id: row.id, created: row.createdAt, lastModified: row.updatedAt, version: row.version },
    deps.baseUrl,
  );
  return project(resource, projection);
}

/**
 * Registers `/Users` (list with filter and paging, get, create, replace, patch, delete) on the SCIM router. Each
 * route parses the request, calls a use case of `user-writes` (or the store, for reads) and answers.
 */
export function registerUserRoutes(router: Router, deps: ScimDeps): void {
  router.get('/Users', async (ctx) => {
    const filterText = queryParam(ctx, 'filter');
    const filter =
      filterText === undefined || filterText.trim() === '' ? undefined : parseScimFilter('User', filterText);
    const page = parsePage(queryParam(ctx, 'startIndex'), queryParam(ctx, 'count'));
    const projection = projectionOf(ctx);
    const { totalResults, rows } = await listScimUsers(deps.db, scimCompanyId(ctx), filter, page);
    const resources = rows.map((row) => representation(deps, row, projection));
    sendScim(ctx, 200, listResponse(resources, totalResults, page));
  });

  router.get('/Users/:id', async (ctx) => {
    const projection = projectionOf(ctx);
    const row = await getScimUser(deps.db, scimCompanyId(ctx), ctx.params.id!);
    if (!row) throw notFound(ctx.params.id!);
    sendScim(ctx, 200, representation(deps, row, projection));
  });

  router.post('/Users', async (ctx) => {
    const projection = projectionOf(ctx);
    const data = finaliseUser(ctx.request.body);
    const row = await createUser(deps, scimCompanyId(ctx), data);
    ctx.set('Location', `${deps.baseUrl}/Users/${row.id}`);
    sendScim(ctx, 201, representation(deps, row, projection));
  });

  router.put('/Users/:id', async (ctx) => {
    const projection = projectionOf(ctx);
    const data = finaliseUser(ctx.request.body);
    const row = await replaceUser(deps, scimCompanyId(ctx), ctx.params.id!, data);
    if (!row) throw notFound(ctx.params.id!);
    sendScim(ctx, 200, representation(deps, row, projection));
  });

  router.patch('/Users/:id', async (ctx) => {
    const projection = projectionOf(ctx);
    const operations = parsePatchRequest(ctx.request.body);
    const row = await patchUser(deps, scimCompanyId(ctx), ctx.params.id!, operations);
    if (!row) throw notFound(ctx.params.id!);
    sendScim(ctx, 200, representation(deps, row, projection));
  });

  router.delete('/Users/:id', async (ctx) => {
    if (!(await deleteUser(deps, scimCompanyId(ctx), ctx.params.id!))) throw notFound(ctx.params.id!);
    ctx.status = 204;
  });
}
