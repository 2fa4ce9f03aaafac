import type { SandboxContext } from './context';
import type { GraphRequest, GraphResponse } from './graph-http';
import { GraphErrorCode, GraphFailure, notFound, odataBadRequest } from './graph-http';
import { contextUrl, parseSelect, projectUser, queryUsers } from './graph-query';
import { assertCanRead, callerTenant, readUser, replicated, writeUser } from './graph-users';
import { assertCanWrite } from './user-validation';

function managerNotFound(): GraphFailure {
  return notFound('manager');
}

/** The id a `@odata.id` reference points at: `https://graph.microsoft.com/v1.0/users/{id}` or `…/directoryObjects/{id}`. */
function referencedId(body: unknown): string {
  const ref = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['@odata.id'] : undefined;
  if (typeof ref !== 'string' || ref === '') {
    throw odataBadRequest('Invalid request body: a reference must have an @odata.id property.');
  }
  const match =
    /\/(?:users|directoryObjects)\/([^/?#]+)\/?$/i.exec(ref) ?? /\/(?:users|directoryObjects)\('([^']+)'\)$/i.exec(ref);
  if (!match) throw odataBadRequest(`The URI '${ref}' in the payload is not a valid reference to a directory object.`);
  return decodeURIComponent(match[1]!);
}

/** `PUT /users/{id}/manager/$ref`: sets the manager reference (204). Setting the same manager again is a no-op. */
export function setManager(sandbox: SandboxContext, req: GraphRequest, key: string): GraphResponse {
  const tenant = callerTenant(sandbox, req);
  assertCanWrite(req.caller, []);
  const user = writeUser(sandbox, tenant.id, key);
  const managerKey = referencedId(req.body);
  const manager = writeUser(sandbox, tenant.id, managerKey);
  if (manager.id === user.id) {
    throw new GraphFailure(
      400,
      GraphErrorCode.badRequest,
      'Invalid object identifier: a user cannot be their own manager.',
    );
  }
  // A chain that leads back to the user would make the reporting line a loop.
  for (let m: string | null = manager.managerId; m !== null; m = sandbox.store.users(tenant.id)[m]?.managerId ?? null) {
    if (m === user.id)
      throw new GraphFailure(400, GraphErrorCode.badRequest, 'Circular reference detected in the manager chain.');
  }
  user.managerId = manager.id;
  sandbox.store.changed();
  return { status: 204, headers: {} };
}

/** `DELETE /users/{id}/manager/$ref`: 204, or 404 when the user has no manager (as Graph does). */
export function removeManager(sandbox: SandboxContext, req: GraphRequest, key: string): GraphResponse {
  const tenant = callerTenant(sandbox, req);
  assertCanWrite(req.caller, []);
  const user = writeUser(sandbox, tenant.id, key);
  if (user.managerId === null) throw managerNotFound();
  user.managerId = null;
  sandbox.store.changed();
  return { status: 204, headers: {} };
}

/** `GET /users/{id}/manager` (the manager object) or `…/manager/$ref` (its reference); 404 when none. */
export function getManager(sandbox: SandboxContext, req: GraphRequest, key: string, reference: boolean): GraphResponse {
  assertCanRead(req);
  const tenant = callerTenant(sandbox, req);
  const user = readUser(sandbox, tenant.id, key);
  const manager = user.managerId ? sandbox.store.users(tenant.id)[user.managerId] : undefined;
  if (!manager) throw managerNotFound();
  if (reference) {
    return {
      status: 200,
      headers: {},
      body: {
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#directoryObjects/$entity',
        '@odata.id': `https://graph.microsoft.com/v2/${tenant.id}/directoryObjects/${manager.id}/Microsoft.DirectoryServices.User`,
      },
    };
  }
  const select = parseSelect(req);
  return {
    status: 200,
    headers: {},
    body: {
      '@odata.context': contextUrl('directoryObjects', select, true),
      '@odata.type': '#microsoft.graph.user',
      ...projectUser(manager.props, select),
    },
  };
}

/** `GET /users/{id}/directReports`: the users whose manager is this user. */
export function listDirectReports(sandbox: SandboxContext, req: GraphRequest, key: string): GraphResponse {
  assertCanRead(req);
  const tenant = callerTenant(sandbox, req);
  const user = readUser(sandbox, tenant.id, key);
  const reports = Object.values(sandbox.store.users(tenant.id))
    .filter((u) => u.managerId === user.id && replicated(sandbox, u))
    .map((u) => u.props);
  const result = queryUsers(req, reports, `/users/${user.id}/directReports`);
  return {
    status: 200,
    headers: {},
    body: {
      '@odata.context': contextUrl('directoryObjects', result.select),
      ...(result.nextLink ? { '@odata.nextLink': result.nextLink } : {}),
      value: result.rows.map((row) => ({ '@odata.type': '#microsoft.graph.user', ...projectUser(row, result.select) })),
    },
  };
}
