/**
 * `@joiner/entra-sandbox`: an HTTPS stand-in for Microsoft Entra ID's identity platform and Microsoft Graph v1.0
 * users, for tests and offline runs of Joiner. Start it with {@link startEntraSandbox}; see the package README.
 *
 * @packageDocumentation
 */
export * from './server';
export { ControlError } from './control';
export type { DumpedUser, SandboxControl, SettingsPatch } from './control';
