import type { SandboxUser } from './state';

function addresses(user: SandboxUser): string[] {
  const mail = user.props['mail'];
  const proxies = (user.props['proxyAddresses'] as string[] | undefined) ?? [];
  const out = proxies.filter((p) => /^smtp:/i.test(p)).map((p) => p.slice(5).toLowerCase());
  if (typeof mail === 'string') out.push(mail.toLowerCase());
  return out;
}

/**
 * Per-tenant lookups by userPrincipalName and by SMTP address (mail and proxyAddresses), case-insensitive, so reads by
 * UPN, `eq` filters and uniqueness checks stay O(1) in large directories. Kept in step by the user handlers.
 */
export class UserIndex {
  private readonly upns = new Map<string, Map<string, string>>();
  private readonly addresses = new Map<string, Map<string, string>>();

  private tenant(map: Map<string, Map<string, string>>, tenantId: string): Map<string, string> {
    let inner = map.get(tenantId);
    if (!inner) {
      inner = new Map();
      map.set(tenantId, inner);
    }
    return inner;
  }

  rebuild(users: Record<string, Record<string, SandboxUser>>): void {
    this.upns.clear();
    this.addresses.clear();
    for (const [tenantId, byId] of Object.entries(users))
      for (const user of Object.values(byId)) this.add(tenantId, user);
  }

  add(tenantId: string, user: SandboxUser): void {
    this.tenant(this.upns, tenantId).set((user.props['userPrincipalName'] as string).toLowerCase(), user.id);
    const byAddress = this.tenant(this.addresses, tenantId);
    for (const address of addresses(user)) byAddress.set(address, user.id);
  }

  remove(tenantId: string, user: SandboxUser): void {
    const upn = (user.props['userPrincipalName'] as string).toLowerCase();
    const upns = this.tenant(this.upns, tenantId);
    if (upns.get(upn) === user.id) upns.delete(upn);
    const byAddress = this.tenant(this.addresses, tenantId);
    for (const address of addresses(user)) if (byAddress.get(address) === user.id) byAddress.delete(address);
  }

  byUpn(tenantId: string, upn: string): string | undefined {
    return this.upns.get(tenantId)?.get(upn.toLowerCase());
  }

  /** The user holding this SMTP address as mail or in proxyAddresses. */
  byAddress(tenantId: string, address: string): string | undefined {
    return this.addresses.get(tenantId)?.get(address.toLowerCase());
  }
}
