import { Writable } from 'node:stream';
import pino from 'pino';
import type { EntraSandbox } from '@joiner/entra-sandbox';
import { EntraError } from '../../entra/directory';
import type { GraphDirectoryOptions } from '../../entra/graph-directory';
import { GraphDirectory } from '../../entra/graph-directory';

/** A GraphDirectory wired to the sandbox like production wires it to Entra, with its log lines captured. */
export interface DirectoryUnderTest {
  directory: GraphDirectory;
  /** Every log line the client wrote (pino JSON), to check that no secret leaks. */
  logLines: string[];
}

/** Builds a {@link GraphDirectory} against the sandbox; `overrides` change credentials or options for one test. */
export function directoryFor(
  sandbox: EntraSandbox,
  overrides: Partial<GraphDirectoryOptions> = {},
  opened: GraphDirectory[] = [],
): DirectoryUnderTest {
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(chunk.toString('utf8'));
      callback();
    },
  });
  const directory = new GraphDirectory({
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    authorityHost: sandbox.url,
    graphBaseUrl: sandbox.url,
    caCertificate: sandbox.caCertPem,
    logger: pino({ level: 'debug' }, sink),
    ...overrides,
  });
  opened.push(directory);
  return { directory, logLines };
}

/** Runs `action` and returns the {@link EntraError} it must throw. */
export async function entraErrorOf(action: () => Promise<unknown>): Promise<EntraError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof EntraError) return error;
    throw new Error(`expected an EntraError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected an EntraError, but the call succeeded');
}

let sequence = 0;

/** A new user for the sandbox's verified domain `contoso.com`, unique within the test run. */
export function newUser(overrides: Record<string, unknown> = {}) {
  sequence += 1;
  const alias = `ada.lovelace${sequence}`;
  return {
    userPrincipalName: `${alias}@contoso.com`,
    displayName: `Ada Lovelace ${sequence}`,
    mailNickname: alias,
    mail: `${alias}@contoso.com`,
    givenName: 'Ada',
    surname: 'Lovelace',
    ...overrides,
  };
}
