#!/usr/bin/env node
/**
 * The `joiner` command. Exit codes: 0 done; 1 failed (a dependency down, nothing found, a refusal); 2 usage (a wrong
 * argument or configuration). Every error is one line on stderr that names what to fix.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, parseConfig } from '../domain/config';
import type { OperatorBackend } from './backend';
import { CliFailure, CliUsageError } from './errors';
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
  // Loaded here, not at the top: `joiner api|worker|start` need none of it, and a restart should not wait for it.
  const { openOperatorBackend } = await import('./backend.js');
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

/** The last resort after a signal: a start or stop that hangs past this ends the process anyway (exit code 1). */
const signalledExitMs = 29_000;

/**
 * Keeps a started process running until SIGINT or SIGTERM, then drains it (see RunningProcess.shutdown) and exits
 * with its code. A signal during start is kept until the start is done; a second signal exits at once.
 */
async function serveUntilSignalled(start: (runtime: typeof Runtime) => Promise<RunningProcess>): Promise<void> {
  let signalled: NodeJS.Signals | null = null;
  let running: RunningProcess | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled !== null) {
      process.stderr.write(`joiner: ${signal} again while stopping: exiting without waiting\n`);
      process.exit(1);
    }
    signalled = signal;
    setTimeout(() => {
      process.stderr.write(`joiner: still not stopped ${signalledExitMs / 1000} s after ${signal}: exiting\n`);
      process.exit(1);
    }, signalledExitMs).unref();
    if (running !== null) void stopAndExit(running, signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Loaded here, not at the top: the worker and its Temporal bundle are heavy, and the other commands need neither.
  running = await start(await import('./runtime.js'));
  if (signalled !== null) await stopAndExit(running, signalled);
}

async function stopAndExit(running: RunningProcess, signal: NodeJS.Signals): Promise<never> {
  // Explicitly: a handle some library left open must not keep a stopped process alive.
  process.exit(await running.shutdown(signal));
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
