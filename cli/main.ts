#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, parseConfig } from '../domain/config';
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

program
  .command('start')
  .description('run the API and the worker in one process on embedded defaults')
  .action(() => {
    const config = loadConfigOrExit();
    process.stdout.write(
      `joiner: configuration valid (port ${config.PORT}); the API and worker are not built yet, nothing to start.\n`,
    );
  });

registerTokenCommands(program, loadConfigOrExit);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CliUsageError) {
    process.stderr.write(`joiner: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`joiner: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
