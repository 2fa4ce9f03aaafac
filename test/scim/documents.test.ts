import { ScimUrn } from '../../domain/scim/constants';
import { resourceTypes, schemaDocuments, serviceProviderConfig } from '../../domain/scim/discovery';
import { parsePage } from '../../domain/scim/paging';
import { parseProjection, project } from '../../domain/scim/projection';
import { toE164 } from '../../domain/scim/phone';

const base = 'https://joiner.example/scim/v2';

describe('discovery documents', () => {
  it('advertise patch and filter, and no bulk, sort, etag or password change', () => {
    const config = serviceProviderConfig(base);
    expect(config.patch.supported).toBe(true);
    expect(config.filter).toEqual({ supported: true, maxResults: 1000 });
    expect([config.bulk.supported, config.sort.supported, config.etag.supported]).toEqual([false, false, false]);
    expect(config.authenticationSchemes[0]!.type).toBe('oauthbearertoken');
  });

  it('describe Users with the enterprise extension and Groups', () => {
    expect(resourceTypes(base).map((r) => [r.id, r.endpoint, r.schema])).toEqual([
      ['User', '/Users', ScimUrn.User],
      ['Group', '/Groups', ScimUrn.Group],
    ]);
  });

  it('list the attributes Entra maps, and exactly the enterprise ones', () => {
    const [user, enterprise] = schemaDocuments(base);
    const names = user!.attributes.map((a) => a.name);
    for (const n of ['userName', 'active', 'title', 'emails', 'name', 'phoneNumbers']) expect(names).toContain(n);
    expect(enterprise!.attributes.map((a) => a.name).sort()).toEqual(
      ['costCenter', 'department', 'division', 'employeeNumber', 'manager', 'organization'].sort(),
    );
  });
});

describe('paging', () => {
  it('is 1-based, clamps nonsense and caps the count', () => {
    expect(parsePage()).toEqual({ startIndex: 1, count: 100 });
    expect(parsePage('0', '-5')).toEqual({ startIndex: 1, count: 0 });
    expect(parsePage('3', '99999')).toEqual({ startIndex: 3, count: 1000 });
    expect(() => parsePage('x')).toThrow(/startIndex/);
  });
});

describe('attributes and excludedAttributes', () => {
  const resource = {
    schemas: [ScimUrn.User],
    id: 'u1',
    userName: 'ada',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ type: 'work', value: 'ada@contoso.com' }],
    [ScimUrn.EnterpriseUser]: { department: 'R&D', manager: { value: 'm1' } },
  };

  it('returns only the asked attributes plus id and schemas, in any case and form', () => {
    const p = parseProjection('User', `USERNAME,name.givenName,emails.value,${ScimUrn.EnterpriseUser}:department`);
    expect(project(resource, p)).toEqual({
      schemas: [ScimUrn.User],
      id: 'u1',
      userName: 'ada',
      name: { givenName: 'Ada' },
      emails: [{ value: 'ada@contoso.com' }],
      [ScimUrn.EnterpriseUser]: { department: 'R&D' },
    });
  });

  it('leaves out excluded attributes but never id', () => {
    const p = parseProjection('User', undefined, 'emails,id,manager');
    const out = project(resource, p);
    expect(out).not.toHaveProperty('emails');
    expect(out.id).toBe('u1');
    expect(out[ScimUrn.EnterpriseUser]).toEqual({ department: 'R&D' });
  });
});

describe('phone numbers', () => {
  it('are written in E.164, using the company country when there is no country code', () => {
    expect(toE164('+1 (617) 555-1212')).toBe('+16175551212');
    expect(toE164('070-123 45 67', 'SE')).toBe('+46701234567');
    expect(toE164('070-123 45 67')).toBeUndefined();
    expect(toE164('not a number', 'SE')).toBeUndefined();
  });
});
