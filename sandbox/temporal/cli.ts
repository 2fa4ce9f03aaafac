/**
 * The launcher: accepts the two argument shapes sdk-core uses to start a test server,
 *   `<port> [flags…]`                      (Temporal's test server: time skipping on)
 *   `server start-dev --port N [flags…]`   (the Temporal CLI's dev server: real time)
 * and the standalone form `--port N [--time-skipping] [--search-attribute Name=Keyword]…`.
 * Dev-server flags it has no use for (--ip is honoured; --namespace adds a namespace; --db-filename, --ui-port,
 * --headless, --log-format, … are ignored).
 */
import type { IndexedValueType } from './namespace-store';
import { searchAttributeTypeNames } from './namespace-store';
import { startSandboxServer } from './server';

/** Flags that never take a value. */
const booleanFlags = new Set(['--headless', '--time-skipping', '--verbose', '--log-config']);

export interface LaunchOptions {
  host: string;
  port: number;
  timeSkipping: boolean;
  namespaces: string[];
  searchAttributes: Record<string, IndexedValueType>;
  verbose: boolean;
}

/** Parses the launcher's arguments; throws an Error with a message for the operator on bad input. */
export function parseLaunchArgs(argv: string[]): LaunchOptions {
  const options: LaunchOptions = {
    host: '127.0.0.1',
    port: 7233,
    timeSkipping: false,
    namespaces: [],
    searchAttributes: {},
    verbose: false,
  };
  let args = [...argv];
  if (args[0] === 'server' && args[1] === 'start-dev') args = args.slice(2);
  else if (args[0] && /^\d+$/.test(args[0])) {
    options.port = Number(args.shift());
    options.timeSkipping = true;
  }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    let inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) throw new Error(`${flag} needs a value`);
      i++;
      return next;
    };
    switch (flag) {
      case '--port':
      case '-p': {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port: ${args[i] ?? ''}`);
        options.port = port;
        break;
      }
      case '--ip':
        options.host = value();
        break;
      case '--namespace':
      case '-n':
        options.namespaces.push(value());
        break;
      case '--search-attribute': {
        const [name, type] = value().split('=');
        const indexedType = searchAttributeTypeNames[type ?? ''];
        if (!name || indexedType === undefined)
          throw new Error(
            `--search-attribute expects Name=Type with Type one of ${Object.keys(searchAttributeTypeNames).join(', ')}`,
          );
        options.searchAttributes[name] = indexedType;
        break;
      }
      case '--time-skipping':
        options.timeSkipping = true;
        break;
      case '--verbose':
        options.verbose = true;
        break;
      default:
        // An unknown dev-server flag: skip it and its value, if it has one.
        if (flag.startsWith('-') && inline === undefined && !booleanFlags.has(flag)) {
          const next = args[i + 1];
          if (next !== undefined && !next.startsWith('-')) i++;
        }
        inline = undefined;
    }
  }
  return options;
}

/** Runs the launcher until SIGINT/SIGTERM. */
export async function main(argv: string[]): Promise<void> {
  let options: LaunchOptions;
  try {
    options = parseLaunchArgs(argv);
  } catch (err) {
    process.stderr.write(`temporal-sandbox: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const server = await startSandboxServer({
    ...options,
    namespaces: options.namespaces.filter((n) => n !== 'default'),
    log: (line) => process.stderr.write(`temporal-sandbox: ${line}\n`),
  });
  // The test-server shape is how sdk-core starts it for test suites, whose output it shares: stay quiet there.
  const testServerShape = /^\d+$/.test(argv[0] ?? '');
  if (!testServerShape || options.verbose) {
    process.stdout.write(
      `Temporal sandbox (in-memory, not durable; for tests and offline demos) listening on ${server.address}` +
        `${options.timeSkipping ? ' with time skipping' : ''}\n`,
    );
  }
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`temporal-sandbox: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  });
}
