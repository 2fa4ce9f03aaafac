#!/usr/bin/env node
/**
 * The `joiner` command. Exit codes: 0 done; 1 failed (a dependency down, nothing found, a refusal); 2 usage (a wrong
 * argument or configuration). Every error is one line on stderr that names what to fix.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, parseConfig } from '../domain/config';
import type { OperatorBackend } from './backend';
import { CliFailure, CliUsageError, openOperatorBackend } from './backend';
import { registerOperatorCommands } from './operator-commands';
import type { RunningProcess } from './runtime';
import type * as Runtime from './runtime';
import { registerTokenCommands } from './tokens';

/** Parses the environment; a bad variable is a usage error naming each one. */
function loadConfig() {
  try {
    return parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliUsageError(err.problems.join('; '));
    throw err;
  }
}

async function withBackend<T>(fn: (backend: OperatorBackend, config: ReturnType<typeof loadConfig>) => Promise<T>) {
  const config = loadConfig();
  const backend = await openOperatorBackend(config);
  try {
    return await fn(backend, config);
  } finally {
    await backend.close();
  }
}

const program = new Command('joiner')
  .description('HR-driven identity lifecycle for Microsoft Entra ID')
  .showHelpAfterError('(add --help for usage)');
// Commander exits 1 on a usage error by default; exit codes here are 2 for usage. Inherited by every subcommand.
program.exitOverride();

/** Keeps a started process running until SIGINT or SIGTERM, then stops it cleanly. */
async function serveUntilSignalled(start: (runtime: typeof Runtime) => Promise<RunningProcess>): Promise<void> {
  // Loaded here, not at the top: the worker and its Temporal bundle are heavy, and the other commands need neither.
  const running = await start(await import('./runtime.js'));
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      running.stop().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

program
  .command('start')
  .description(
    'run the API and the worker in one process on embedded defaults (PGlite, local Temporal, Entra stand-in)',
  )
  .action(() => serveUntilSignalled((r) => r.runAllInOne(loadConfig())));

program
  .command('api')
  .description('run the HTTP API (webhooks, SCIM, console) against TEMPORAL_ADDRESS')
  .action(() => serveUntilSignalled((r) => r.runApi(loadConfig())));

program
  .command('worker')
  .description('run the Temporal worker (workflows and Graph activities) against TEMPORAL_ADDRESS')
  .action(() => serveUntilSignalled((r) => r.runWorker(loadConfig())));

registerTokenCommands(program, withBackend);
registerOperatorCommands(program, loadConfig, withBackend);

function fail(code: number, message: string): never {
  process.stderr.write(`joiner: ${message.split('\n')[0]}\n`);
  process.exit(code);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // Help and version are not errors; commander already printed its message otherwise.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') {
      process.exit(0);
    }
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  if (err instanceof CliUsageError) fail(2, err.message);
  if (err instanceof CliFailure) fail(1, err.message);
  fail(1, err instanceof Error ? err.message : String(err));
});
