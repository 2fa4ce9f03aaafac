import type Router from '@koa/router';
import type { Context } from 'koa';
import { ScimError } from '../../domain/scim/errors';
import { finaliseGroup, groupResource } from '../../domain/scim/group';
import { foldGroupPatch } from '../../domain/scim/group-patch';
import { listResponse } from '../../domain/scim/paging';
import { parsePatchRequest } from '../../domain/scim/patch-request';
import { excludesAttribute, project, type Projection } from '../../domain/scim/projection';
import { getScimGroup, listScimGroups, scimGroupMembersOf, type ScimGroupRow } from '../../store/scim-groups';
import { scimCompanyId } from './auth';
import { listRequestOf, projectionOf, type ScimDeps } from './context';
import { createGroup, deleteGroup, patchGroup, replaceGroup } from './group-writes';
import { sendScim } from './responses';

const notFound = (id: string) => ScimError.notFound(`Group ${id} not found`);

/** The groups as answered; members are loaded only when the projection keeps them (Entra excludes them). */
async function representations(deps: ScimDeps, rows: ScimGroupRow[], projection: Projection) {
  const members = excludesAttribute(projection, 'members')
    ? undefined
    : await scimGroupMembersOf(
        deps.db,
        rows.map((r) => r.id),
      );
  return rows.map((row) =>
    project(
      groupResource(
        row,
        members?.get(row.id) ?? (members ? [] : undefined),
        { id: row.id, created: row.createdAt, lastModified: row.updatedAt, version: row.version },
        deps.baseUrl,
      ),
      projection,
    ),
  );
}

async function one(deps: ScimDeps, row: ScimGroupRow, ctx: Context) {
  const [representation] = await representations(deps, [row], projectionOf(ctx, 'Group'));
  return representation;
}

/**
 * Registers `/Groups` (list with filter and paging, get, create, replace, patch, delete) on the SCIM router. Each
 * route parses the request, calls a use case of `group-writes` (or the store, for reads) and answers.
 */
export function registerGroupRoutes(router: Router, deps: ScimDeps): void {
  router.get('/Groups', async (ctx) => {
    const { filter, page, projection } = listRequestOf(ctx, 'Group');
    const { totalResults, rows } = await listScimGroups(deps.db, scimCompanyId(ctx), filter, page);
    sendScim(ctx, 200, listResponse(await representations(deps, rows, projection), totalResults, page));
  });

  router.get('/Groups/:id', async (ctx) => {
    const row = await getScimGroup(deps.db, scimCompanyId(ctx), ctx.params.id!);
    if (!row) throw notFound(ctx.params.id!);
    sendScim(ctx, 200, await one(deps, row, ctx));
  });

  router.post('/Groups', async (ctx) => {
    const group = finaliseGroup(ctx.request.body);
    const row = await createGroup(deps.db, scimCompanyId(ctx), group);
    ctx.set('Location', `${deps.baseUrl}/Groups/${row.id}`);
    sendScim(ctx, 201, await one(deps, row, ctx));
  });

  router.put('/Groups/:id', async (ctx) => {
    const group = finaliseGroup(ctx.request.body);
    const row = await replaceGroup(deps.db, scimCompanyId(ctx), ctx.params.id!, group);
    if (!row) throw notFound(ctx.params.id!);
    sendScim(ctx, 200, await one(deps, row, ctx));
  });

  router.patch('/Groups/:id', async (ctx) => {
    const change = foldGroupPatch(parsePatchRequest(ctx.request.body));
    const row = await patchGroup(deps.db, scimCompanyId(ctx), ctx.params.id!, change);
    if (!row) throw notFound(ctx.params.id!);
    // Entra expects 204 for groups; a body would make it read back every member.
    ctx.status = 204;
  });

  router.delete('/Groups/:id', async (ctx) => {
    if (!(await deleteGroup(deps.db, scimCompanyId(ctx), ctx.params.id!))) throw notFound(ctx.params.id!);
    ctx.status = 204;
  });
}
