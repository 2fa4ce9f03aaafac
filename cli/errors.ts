/**
 * The two errors every `joiner` command ends with (cli/main.ts prints them): kept apart from the operator backend, so
 * that `joiner api|worker|start` need not load it.
 */

/** Thrown for a mistake of the person at the terminal (arguments, configuration); printed in one line, exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** Thrown when what was asked could not be done (a dependency down, nothing found); one line, exit code 1. */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}
