#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, parseConfig } from '../domain/config';
import type { RunningProcess } from './runtime';
import { runAllInOne, runApi, runWorker } from './runtime';
import { CliUsageError, registerTokenCommands } from './tokens';

/** Parses the environment or stops the process with a message that names each bad variable. */
function loadConfigOrExit() {
  try {
    return parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`joiner: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

const program = new Command('joiner').description('HR-driven identity lifecycle for Microsoft Entra ID');

/** Keeps a started process running until SIGINT or SIGTERM, then stops it cleanly. */
async function serveUntilSignalled(start: Promise<RunningProcess>): Promise<void> {
  const running = await start;
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
  .description('run the API and the worker in one process on embedded defaults (PGlite, Temporal and Entra sandboxes)')
  .action(() => serveUntilSignalled(runAllInOne(loadConfigOrExit())));

program
  .command('api')
  .description('run the HTTP API (webhooks, SCIM, console) against TEMPORAL_ADDRESS')
  .action(() => serveUntilSignalled(runApi(loadConfigOrExit())));

program
  .command('worker')
  .description('run the Temporal worker (workflows and Graph activities) against TEMPORAL_ADDRESS')
  .action(() => serveUntilSignalled(runWorker(loadConfigOrExit())));

registerTokenCommands(program, loadConfigOrExit);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CliUsageError) {
    process.stderr.write(`joiner: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`joiner: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
