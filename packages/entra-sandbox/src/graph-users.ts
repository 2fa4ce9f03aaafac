import { randomUUID } from 'node:crypto';
import type { SandboxContext } from './context';
import type { GraphRequest, GraphResponse } from './graph-http';
import { GraphErrorCode, GraphFailure, insufficientPrivileges, notFound } from './graph-http';
import type { FilterNode } from './graph-filter';
import { parseFilter } from './graph-filter';
import { contextUrl, parseSelect, projectUser, queryUsers } from './graph-query';
import type { SandboxTenant, SandboxUser } from './state';
import { userReadPermissions } from './user-schema';
import { assertCanWrite, validateUserWrite } from './user-validation';

/** The caller's tenant (tokens of deleted tenants are refused before this). */
export function callerTenant(sandbox: SandboxContext, req: GraphRequest): SandboxTenant {
  const tenant = sandbox.store.tenant(req.caller.tenantId);
  if (!tenant)
    throw new GraphFailure(401, GraphErrorCode.invalidToken, 'Access token validation failure. Invalid issuer.');
  return tenant;
}

export function assertCanRead(req: GraphRequest): void {
  if (!userReadPermissions.some((p) => req.caller.roles.has(p))) throw insufficientPrivileges();
}

/** Whether replication has caught up with the user's creation (reads miss it until then). */
export function replicated(sandbox: SandboxContext, user: SandboxUser, now = Date.now()): boolean {
  return now >= user.createdAtMs + sandbox.settings.replicationLagMs;
}

/** Finds a user by object id or userPrincipalName (case-insensitive), ignoring replication lag (the write path). */
export function findUser(sandbox: SandboxContext, tenantId: string, key: string): SandboxUser | undefined {
  const users = sandbox.store.users(tenantId);
  const byId = users[key.toLowerCase()];
  if (byId) return byId;
  if (!key.includes('@')) return undefined;
  const id = sandbox.store.index.byUpn(tenantId, key);
  return id === undefined ? undefined : users[id];
}

/** Finds a user for a read: a user still replicating is not found yet. */
export function readUser(sandbox: SandboxContext, tenantId: string, key: string): SandboxUser {
  const user = findUser(sandbox, tenantId, key);
  if (!user || !replicated(sandbox, user)) throw notFound(key);
  return user;
}

/** Finds the user a write addresses; with `replicationLagAffectsWrites`, a user still replicating is not found. */
export function writeUser(sandbox: SandboxContext, tenantId: string, key: string): SandboxUser {
  const user = findUser(sandbox, tenantId, key);
  if (!user) throw notFound(key);
  if (sandbox.settings.replicationLagAffectsWrites && !replicated(sandbox, user)) throw notFound(key);
  return user;
}

function conflict(property: string): GraphFailure {
  const message = `Another object with the same value for property ${property} already exists.`;
  return new GraphFailure(400, GraphErrorCode.badRequest, message, [
    { code: 'ObjectConflict', message, target: property },
  ]);
}

/** Rejects a userPrincipalName or mail that another user of the tenant already holds. */
function assertUnique(
  sandbox: SandboxContext,
  tenantId: string,
  values: Record<string, unknown>,
  selfId?: string,
): void {
  const { index } = sandbox.store;
  const upn = values['userPrincipalName'];
  if (typeof upn === 'string') {
    const holder = index.byUpn(tenantId, upn);
    if (holder !== undefined && holder !== selfId) throw conflict('userPrincipalName');
  }
  const mail = values['mail'];
  if (typeof mail === 'string') {
    const holder = index.byAddress(tenantId, mail);
    if (holder !== undefined && holder !== selfId) throw conflict('proxyAddresses');
  }
}

/** Keeps proxyAddresses in line with mail: the new address is primary (`SMTP:`), the old one stays as `smtp:`. */
function applyMail(props: Record<string, unknown>, mail: string): void {
  const current = (props['proxyAddresses'] as string[]).map((p) => (p.startsWith('SMTP:') ? `smtp:${p.slice(5)}` : p));
  const rest = current.filter((p) => p.toLowerCase() !== `smtp:${mail.toLowerCase()}`);
  props['proxyAddresses'] = [`SMTP:${mail}`, ...rest];
}

function nowSeconds(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * For `$filter` = `eq`/`in` on id, userPrincipalName or mail: the few users that can match, from the index (a superset:
 * the filter is still applied to them). Otherwise `undefined`: scan all users.
 */
function indexedCandidates(
  sandbox: SandboxContext,
  tenantId: string,
  filter: string | null,
): SandboxUser[] | undefined {
  if (filter === null) return undefined;
  let node: FilterNode;
  try {
    node = parseFilter(filter);
  } catch {
    return undefined;
  }
  const values =
    node.kind === 'compare' && node.op === 'eq' ? [node.value] : node.kind === 'in' ? node.values : undefined;
  if (!values || (node.kind !== 'compare' && node.kind !== 'in')) return undefined;
  const lookup: Record<string, (v: string) => string | undefined> = {
    id: (v) => v.toLowerCase(),
    userPrincipalName: (v) => sandbox.store.index.byUpn(tenantId, v),
    mail: (v) => sandbox.store.index.byAddress(tenantId, v),
  };
  const find = lookup[node.prop];
  if (!find) return undefined;
  const users = sandbox.store.users(tenantId);
  const ids = new Set(values.flatMap((v) => (typeof v === 'string' ? [find(v)] : [])));
  return [...ids].flatMap((id) => (id !== undefined && users[id] ? [users[id]] : []));
}

export function listUsers(sandbox: SandboxContext, req: GraphRequest): GraphResponse {
  assertCanRead(req);
  const tenant = callerTenant(sandbox, req);
  const now = Date.now();
  const candidates = indexedCandidates(sandbox, tenant.id, req.query.get('$filter'));
  const visible = (candidates ?? Object.values(sandbox.store.users(tenant.id)))
    .filter((u) => replicated(sandbox, u, now))
    .map((u) => u.props);
  const result = queryUsers(req, visible);
  return {
    status: 200,
    headers: {},
    body: {
      '@odata.context': contextUrl('users', result.select),
      ...(result.count !== undefined ? { '@odata.count': result.count } : {}),
      ...(result.nextLink ? { '@odata.nextLink': result.nextLink } : {}),
      value: result.rows.map((row) => projectUser(row, result.select)),
    },
  };
}

export function countUsers(sandbox: SandboxContext, req: GraphRequest): GraphResponse {
  assertCanRead(req);
  if ((req.headers['consistencylevel'] ?? '').toLowerCase() !== 'eventual') {
    throw new GraphFailure(400, GraphErrorCode.unsupportedQuery, 'Count is not currently supported.');
  }
  const tenant = callerTenant(sandbox, req);
  const count = Object.values(sandbox.store.users(tenant.id)).filter((u) => replicated(sandbox, u)).length;
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: String(count) };
}

export function getUser(sandbox: SandboxContext, req: GraphRequest, key: string): GraphResponse {
  assertCanRead(req);
  const tenant = callerTenant(sandbox, req);
  const select = parseSelect(req);
  const user = readUser(sandbox, tenant.id, key);
  return {
    status: 200,
    headers: {},
    body: { '@odata.context': contextUrl('users', select, true), ...projectUser(user.props, select) },
  };
}

export function createUser(sandbox: SandboxContext, req: GraphRequest): GraphResponse {
  const tenant = callerTenant(sandbox, req);
  const values = validateUserWrite(tenant, req.caller, req.body, 'create');
  assertUnique(sandbox, tenant.id, values);
  const id = randomUUID();
  const props: Record<string, unknown> = {
    businessPhones: [],
    otherMails: [],
    proxyAddresses: [],
    userType: 'Member',
    ...values,
    id,
    createdDateTime: nowSeconds(),
  };
  if (typeof values['mail'] === 'string') applyMail(props, values['mail']);
  sandbox.store.addUser(tenant.id, { id, createdAtMs: Date.now(), managerId: null, props });
  return {
    status: 201,
    headers: { location: `${req.origin}/v2/${tenant.id}/directoryObjects/${id}/Microsoft.DirectoryServices.User` },
    body: { '@odata.context': contextUrl('users', undefined, true), ...projectUser(props, undefined) },
  };
}

export function updateUser(sandbox: SandboxContext, req: GraphRequest, key: string): GraphResponse {
  const tenant = callerTenant(sandbox, req);
  const user = writeUser(sandbox, tenant.id, key);
  const values = validateUserWrite(tenant, req.caller, req.body, 'update');
  assertUnique(sandbox, tenant.id, values, user.id);
  sandbox.store.updateUser(tenant.id, user, (props) => {
    for (const [name, value] of Object.entries(values)) {
      if (name === 'mail') applyMail(props, value as string);
      props[name] = value;
    }
  });
  return { status: 204, headers: {} };
}

export function deleteUser(sandbox: SandboxContext, req: GraphRequest, key: string): GraphResponse {
  const tenant = callerTenant(sandbox, req);
  assertCanWrite(req.caller, []);
  const user = writeUser(sandbox, tenant.id, key);
  sandbox.store.removeUser(tenant.id, user);
  for (const other of Object.values(sandbox.store.users(tenant.id)))
    if (other.managerId === user.id) other.managerId = null;
  return { status: 204, headers: {} };
}

/** `POST /users/{id}/revokeSignInSessions`: invalidates refresh tokens and session cookies. */
export function revokeSignInSessions(sandbox: SandboxContext, req: GraphRequest, key: string): GraphResponse {
  const tenant = callerTenant(sandbox, req);
  if (
    !['User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'].some((p) => req.caller.roles.has(p))
  ) {
    throw insufficientPrivileges();
  }
  const user = writeUser(sandbox, tenant.id, key);
  user.props['signInSessionsValidFromDateTime'] = nowSeconds();
  sandbox.store.changed();
  return {
    status: 200,
    headers: {},
    body: { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean', value: true },
  };
}
