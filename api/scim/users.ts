import type Router from '@koa/router';
import { ScimError } from '../../domain/scim/errors';
import { listResponse } from '../../domain/scim/paging';
import { parsePatchRequest } from '../../domain/scim/patch-request';
import { project, type Projection } from '../../domain/scim/projection';
import { finaliseUser, userResource } from '../../domain/scim/user';
import { getScimUser, listScimUsers, type ScimUserRow } from '../../store/scim-users';
import { scimCompanyId } from './auth';
import { listRequestOf, projectionOf, type ScimDeps } from './context';
import { sendScim } from './responses';
import { createUser, deleteUser, patchUser, replaceUser } from './user-writes';

const notFound = (id: string) => ScimError.notFound(`User ${id} not found`);

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
    const { filter, page, projection } = listRequestOf(ctx, 'User');
    const { totalResults, rows } = await listScimUsers(deps.db, scimCompanyId(ctx), filter, page);
    const resources = rows.map((row) => representation(deps, row, projection));
    sendScim(ctx, 200, listResponse(resources, totalResults, page));
  });

  router.get('/Users/:id', async (ctx) => {
    const projection = projectionOf(ctx, 'User');
    const row = await getScimUser(deps.db, scimCompanyId(ctx), ctx.params.id!);
    if (!row) throw notFound(ctx.params.id!);
    sendScim(ctx, 200, representation(deps, row, projection));
  });

  router.post('/Users', async (ctx) => {
    const projection = projectionOf(ctx, 'User');
    const data = finaliseUser(ctx.request.body);
    const row = await createUser(deps, scimCompanyId(ctx), data);
    ctx.set('Location', `${deps.baseUrl}/Users/${row.id}`);
    sendScim(ctx, 201, representation(deps, row, projection));
  });

  router.put('/Users/:id', async (ctx) => {
    const projection = projectionOf(ctx, 'User');
    const data = finaliseUser(ctx.request.body);
    const row = await replaceUser(deps, scimCompanyId(ctx), ctx.params.id!, data);
    if (!row) throw notFound(ctx.params.id!);
    sendScim(ctx, 200, representation(deps, row, projection));
  });

  router.patch('/Users/:id', async (ctx) => {
    const projection = projectionOf(ctx, 'User');
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
