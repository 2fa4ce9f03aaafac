/**
 * Access tokens and Accounts in a real browser: Settings → Access tokens → Name, Description → Save → the pop-up
 * shows the token once with the Tenant URL → Entra's provisioning uses it on /scim/v2 → the account shows on the
 * Accounts page → revoke (with a confirmation) → the next SCIM request gets 401.
 */
import { ConsoleHarness } from './harness';

const h = new ConsoleHarness();
beforeAll(() => h.setup(), 120_000);
afterAll(() => h.teardown(), 60_000);
jest.setTimeout(90_000);

describe('access tokens in a browser', () => {
  it('creates a token shown once, which works on /scim/v2 until it is revoked', async () => {
    const page = h.page;
    await h.signIn();
    await page.waitForURL(`${h.url}/employees`);
    await page.getByRole('link', { name: 'Access tokens' }).click();
    await h.expectText(page.getByRole('heading', { level: 1 }), 'Access tokens');

    // A name is required: the form says so next to the field.
    await page.getByRole('button', { name: 'Save' }).click();
    await h.expectText(page.locator('#token-name-error'), /Enter a name/);

    // Text the database cannot store (here U+0000) is refused next to the field as well, and creates no token.
    await page
      .getByLabel('Name')
      .evaluate((input, value) => ((input as unknown as { value: string }).value = value), 'Entra\u0000x');
    await page.getByRole('button', { name: 'Save' }).click();
    await h.expectText(page.locator('#token-name-error'), /The name contains the NUL character/);
    expect(await page.getByRole('dialog').count()).toBe(0);

    await page.getByLabel('Name').fill('Entra provisioning');
    await page.getByLabel('Description').fill('prod tenant');
    await page.getByRole('button', { name: 'Save' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const token = await dialog.getByLabel('Secret Token').inputValue();
    expect(token).toMatch(/^jnr_/);
    expect(await dialog.getByLabel('Tenant URL').inputValue()).toBe(`${h.url}/scim/v2`);
    await h.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.url });
    await dialog.getByRole('button', { name: 'Copy' }).first().click();
    await h.expectText(page.locator('#new-token-status'), 'Copied to the clipboard.');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(token);
    await h.screenshot('access-token-created');
    await dialog.getByRole('button', { name: 'Done' }).click();

    // The token is never shown again; the list has its name, description and times.
    expect(await page.content()).not.toContain(token);
    const row = page.getByRole('row', { name: /Entra provisioning/ });
    await h.expectText(row, /prod tenant/);
    await h.expectText(row, /never/);

    // Entra's provisioning service creates a user with it.
    const scim = (init: RequestInit = {}) =>
      fetch(`${h.url}/scim/v2/Users`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', ...init.headers },
      });
    const created = await scim({
      method: 'POST',
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'ada@contoso.com',
        active: true,
        displayName: 'Ada Lovelace',
        name: { givenName: 'Ada', familyName: 'Lovelace' },
        emails: [{ type: 'work', value: 'ada@contoso.com', primary: true }],
      }),
    });
    expect(created.status).toBe(201);

    await page.reload();
    await h.expectText(page.getByRole('row', { name: /Entra provisioning/ }), /UTC.*UTC/);
    await h.screenshot('access-tokens');

    await page.getByRole('link', { name: 'Accounts' }).click();
    await h.expectText(page.locator('#accounts-table'), /ada@contoso\.com/);
    await h.expectText(page.locator('#accounts-table'), /Active/);
    await h.screenshot('accounts');

    await page.getByRole('link', { name: 'Access tokens' }).click();
    await page.getByRole('link', { name: 'Revoke Entra provisioning' }).click();
    await h.expectText(page.getByRole('heading', { level: 1 }), 'Revoke access token');
    await page.getByRole('button', { name: 'Revoke' }).click();
    await h.expectText(page.getByRole('status').first(), 'Access token revoked.');
    expect((await scim()).status).toBe(401);
  });

  it('signs out: the console asks for the password again', async () => {
    const page = h.page;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${h.url}/sign-in`);
    await h.screenshot('sign-in');
    await page.goto(`${h.url}/employees`);
    await page.waitForURL(/\/sign-in\?next=/);
  });
});
