/**
 * The Integrations and Employees pages in a real browser, against Joiner on the Entra stand-in: sign in, Integrate
 * → Microsoft's consent page → Connected; consent denied → Disconnected with the reason; a permission missing;
 * Remove integration → an HR change is kept, not written → Integrate → the employee reaches Entra; the employees
 * list and detail with Preview and Resync.
 */
import { ConsoleHarness } from './harness';

const h = new ConsoleHarness();
beforeAll(() => h.setup(), 120_000);
afterAll(() => h.teardown(), 60_000);
jest.setTimeout(90_000);

/** Clicks Integrate and answers Microsoft's (the stand-in's) consent page. */
async function integrate(decision: 'Accept' | 'Cancel'): Promise<void> {
  const page = h.page;
  await page.goto(`${h.url}/settings/integrations`);
  await page.getByRole('button', { name: 'Integrate' }).click();
  await page.waitForURL(/\/organizations\/v2\.0\/adminconsent\?/);
  const consentUrl = new URL(page.url());
  expect(consentUrl.origin).toBe(h.entra.url);
  expect(consentUrl.searchParams.get('client_id')).toBe(h.entra.clientId);
  expect(consentUrl.searchParams.get('redirect_uri')).toBe(`${h.url}/settings/integrations/entra/callback`);
  expect(consentUrl.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  await h.screenshot('microsoft-consent');
  if (decision === 'Accept') await page.getByLabel('Organization').selectOption(h.entra.tenantId);
  await page.getByRole('button', { name: decision }).click();
  await page.waitForURL(`${h.url}/settings/integrations`);
}

const status = () => h.page.locator('#entra-status');
const reason = () => h.page.locator('#entra-reason');

describe('the console in a browser', () => {
  it('refuses a wrong password, then signs in with the right one', async () => {
    await h.signIn(h.page, 'not the password');
    await h.expectText(h.page.getByRole('alert'), 'Wrong password.');
    await h.screenshot('sign-in-wrong-password');
    await h.signIn();
    await h.page.waitForURL(`${h.url}/employees`);
    await h.expectText(h.page.getByRole('heading', { level: 1 }), 'Employees');
  });

  it('shows Disconnected with "Consent denied" when the administrator cancels Microsoft’s consent', async () => {
    await integrate('Cancel');
    await h.expectText(h.page.getByRole('alert').first(), /Consent denied/);
    await h.expectText(status(), 'Disconnected');
    await h.screenshot('integrations-consent-denied');
  });

  it('Integrate → consent → Connected with the tenant id and its verified domains; a refresh checks again', async () => {
    await integrate('Accept');
    await h.expectText(status(), 'Connected');
    await h.expectText(h.page.locator('#entra-tenant'), h.entra.tenantId);
    await h.expectText(h.page.locator('#entra-domains'), /contoso\.com/);
    await h.screenshot('integrations-connected');

    // A permission taken away in Entra shows on the next load, named.
    h.entra.control.setPermissions(h.entra.tenantId, ['User.ReadWrite.All', 'Organization.Read.All']);
    await h.page.reload();
    await h.expectText(status(), 'Disconnected');
    await h.expectText(reason(), /User-LifeCycleInfo\.ReadWrite\.All/);
    await h.screenshot('integrations-permission-missing');
    h.entra.control.setPermissions(h.entra.tenantId, [...h.entra.control.state().apps[0]!.requiredPermissions]);
    await h.page.reload();
    await h.expectText(status(), 'Connected');
  });

  it('Remove integration pauses Graph work: an HR change is kept, not written, and Integrate brings it to Entra', async () => {
    const page = h.page;
    await page.goto(`${h.url}/settings/integrations`);
    await page.getByRole('link', { name: 'Remove integration' }).click();
    await h.expectText(page.getByRole('heading', { level: 1 }), 'Remove integration');
    await h.screenshot('integrations-remove-confirm');
    await page.getByRole('button', { name: 'Remove integration' }).click();
    await h.expectText(status(), 'Disconnected');
    await h.expectText(reason(), /was removed/);

    await h.hr('employee.onboarded', {
      id: 'emp_grace',
      firstName: 'Grace',
      lastName: 'Hopper',
      workEmail: 'grace@contoso.com',
      title: 'Rear Admiral',
    });
    await h.until('emp_grace', (s) => s.phase === 'waiting-for-connection');
    expect(h.entraUser('grace@contoso.com')).toBeUndefined();

    await page.goto(`${h.url}/employees/emp_grace`);
    await h.expectText(page.locator('#employee-phase'), 'Waiting for the Entra connection');

    await integrate('Accept');
    await h.expectText(status(), 'Connected');
    const state = await h.until('emp_grace', (s) => s.phase === 'active');
    expect(h.entraUser('grace@contoso.com')?.props).toMatchObject({
      displayName: 'Grace Hopper',
      jobTitle: 'Rear Admiral',
    });
    expect(state.entraObjectId).toBe(h.entraUser('grace@contoso.com')?.id);
  });

  it('lists employees with search and phase filter, and shows one with its state, timeline and Preview', async () => {
    const page = h.page;
    await h.hr('employee.onboarded', {
      id: 'emp_alan',
      firstName: 'Alan',
      lastName: 'Turing',
      workEmail: 'alan@contoso.com',
    });
    await h.hr('employee.onboarded', {
      id: 'emp_nodomain',
      firstName: 'Kat',
      lastName: 'Johnson',
      workEmail: 'kat@fabrikam.com',
    });
    await h.until('emp_alan', (s) => s.phase === 'active');
    await h.until('emp_nodomain', (s) => s.phase === 'waiting-for-domain');

    await page.goto(`${h.url}/employees`);
    await h.expectText(page.locator('#employee-count'), '3 employees');
    await h.screenshot('employees');
    await page.getByLabel('Search').fill('turing');
    await page.getByRole('button', { name: 'Search' }).click();
    await h.expectText(page.locator('#employee-count'), '1 employee');
    await page.getByRole('link', { name: 'Alan Turing' }).waitFor();
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Phase').selectOption('waiting-for-domain');
    await page.getByRole('button', { name: 'Search' }).click();
    await h.expectText(page.locator('#employee-count'), '1 employee');
    await page.getByRole('link', { name: 'Kat Johnson' }).waitFor();

    // HR changes the title: the Preview shows exactly that change before anything is written.
    await h.hr('employee.updated', {
      id: 'emp_alan',
      firstName: 'Alan',
      lastName: 'Turing',
      workEmail: 'alan@contoso.com',
      title: 'Codebreaker',
    });
    await h.until('emp_alan', (s) => s.lastPushed?.fields.jobTitle === 'Codebreaker');
    await page.goto(`${h.url}/employees/emp_alan`);
    await h.expectText(page.locator('#employee-phase'), 'Active');
    await h.expectText(page.locator('#employee-entra-id'), h.entraUser('alan@contoso.com')!.id);
    await h.expectText(page.locator('#preview-none'), 'No changes: Entra is in line with HR.');
    await h.expectText(page.locator('#pushed-table'), /Codebreaker/);
    expect(await page.getByRole('link', { name: /in the Temporal UI/ }).getAttribute('href')).toBe(
      'http://temporal-ui.test:8233/namespaces/default/workflows/employee%2Fdefault%2Femp_alan',
    );
    expect(await page.locator('ol.timeline li').count()).toBe(2);
    await h.screenshot('employee-detail');

    // Someone changes the user in Entra by hand; Resync pushes HR again (a Preview is computed from what Joiner wrote).
    await page.getByRole('button', { name: 'Resync' }).click();
    await h.expectText(page.getByRole('status').first(), /Resync sent/);

    await page.goto(`${h.url}/employees/emp_nodomain`);
    await h.expectText(
      page.locator('#preview'),
      /Nothing would be written yet: .*fabrikam\.com, which is not a verified domain/,
    );
  });
});
