/**
 * The Joiner Temporal sandbox: an in-memory Temporal-compatible server for tests and offline demos (not durable,
 * not a production engine). See README.md beside this file.
 */
import type { IndexedValueType } from './namespace-store';
import { searchAttributeTypeNames } from './namespace-store';
import { startSandboxServer } from './server';

export { parseLaunchArgs } from './cli';
export type { SandboxServer, SandboxServerOptions } from './server';
export { startSandboxServer } from './server';

/** Search attribute type names as the Temporal CLI spells them. */
export type SearchAttributeTypeName = keyof typeof searchAttributeTypeNames;

/** Options of {@link startTemporalSandbox}. */
export interface TemporalSandboxOptions {
  /** Port to listen on (0 picks a free one). */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Custom search attributes to register, for example `{ CompanyId: 'Keyword' }`. */
  searchAttributes?: Record<string, SearchAttributeTypeName>;
  /** Namespaces besides `default`. */
  namespaces?: string[];
  /** Skip time like Temporal's test server; off by default (real time, as a dev server). */
  timeSkipping?: boolean;
  /** Receives one line per internal error. */
  log?: (line: string) => void;
}

/**
 * Starts the sandbox in this process (`npm start`'s offline mode, tests). Resolves once it listens.
 * Everything is lost on `close()`.
 */
export async function startTemporalSandbox(
  options: TemporalSandboxOptions = {},
): Promise<{ address: string; close(): Promise<void> }> {
  const searchAttributes: Record<string, IndexedValueType> = {};
  for (const [name, type] of Object.entries(options.searchAttributes ?? {})) {
    const indexed = searchAttributeTypeNames[type];
    if (indexed === undefined) throw new Error(`unknown search attribute type ${type} for ${name}`);
    searchAttributes[name] = indexed;
  }
  const server = await startSandboxServer({
    port: options.port ?? 0,
    host: options.host,
    timeSkipping: options.timeSkipping ?? false,
    namespaces: options.namespaces,
    searchAttributes,
    log: options.log,
  });
  return { address: server.address, close: () => server.close() };
}
