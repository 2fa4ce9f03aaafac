import type { Command } from 'commander';
import type { JoinerConfig } from '../domain/config';
import { createAccessToken, listAccessTokens, revokeAccessToken } from '../store/access-tokens';
import { defaultCompanyId, ensureDefaultCompany, getCompany } from '../store/companies';
import { DataDirLockedError } from '../store/data-dir-lock';
import { databaseOptionsFromConfig, openDatabase, type Db } from '../store/db';
import { isForeignKeyViolation } from '../store/pg-errors';

/** Thrown for a mistake of the person at the terminal; printed without a stack, exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

async function withDatabase<T>(config: JoinerConfig, fn: (db: Db) => Promise<T>): Promise<T> {
  let database;
  try {
    database = await openDatabase(databaseOptionsFromConfig(config));
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      throw new CliUsageError(
        `the data directory ${config.DATA_DIR} is in use by a running Joiner (embedded PGlite allows one process). ` +
          'Stop it first, create the token in the admin console (POST /admin/api/access-tokens), ' +
          'or run Joiner on PostgreSQL (DATABASE_URL).',
      );
    }
    throw err;
  }
  try {
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

async function requireCompany(db: Db, companyId: string): Promise<void> {
  if (companyId === defaultCompanyId) {
    await ensureDefaultCompany(db);
    return;
  }
  if ((await getCompany(db, companyId)) === null) throw new CliUsageError(`there is no company "${companyId}"`);
}

function checkText(value: string, what: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new CliUsageError(`${what} must not be empty`);
  if (trimmed.length > max) throw new CliUsageError(`${what} is longer than ${max} characters`);
  return trimmed;
}

/**
 * Adds `joiner tokens create|list|revoke`: the Access tokens page on the command line. `create` prints only the
 * token on stdout (so `TOKEN=$(joiner tokens create --name entra)` works); it cannot be shown again.
 */
export function registerTokenCommands(program: Command, loadConfig: () => JoinerConfig): void {
  const tokens = program.command('tokens').description('SCIM access tokens (the secret token for Entra provisioning)');

  tokens
    .command('create')
    .description('create a token and print it once on stdout')
    .requiredOption('--name <name>', 'what the token is for, e.g. "Entra provisioning"')
    .option('--description <text>', 'a longer description')
    .option('--company <id>', 'the company the token authorises', defaultCompanyId)
    .action(async (opts: { name: string; description?: string; company: string }) => {
      const config = loadConfig();
      const name = checkText(opts.name, '--name', 100);
      const description = opts.description === undefined ? null : checkText(opts.description, '--description', 500);
      const token = await withDatabase(config, async (db) => {
        await requireCompany(db, opts.company);
        try {
          return (await createAccessToken(db, { companyId: opts.company, name, description })).token;
        } catch (err) {
          if (isForeignKeyViolation(err)) throw new CliUsageError(`there is no company "${opts.company}"`);
          throw err;
        }
      });
      process.stdout.write(`${token}\n`);
      process.stderr.write(`joiner: token "${name}" created for company ${opts.company}; it is not shown again.\n`);
    });

  tokens
    .command('list')
    .description('list tokens (never the tokens themselves)')
    .option('--company <id>', 'the company', defaultCompanyId)
    .option('--json', 'print JSON')
    .action(async (opts: { company: string; json?: boolean }) => {
      const config = loadConfig();
      const list = await withDatabase(config, (db) => listAccessTokens(db, opts.company));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      if (list.length === 0) {
        process.stdout.write('no tokens\n');
        return;
      }
      const iso = (d: Date | null) => (d === null ? '-' : d.toISOString());
      for (const t of list) {
        process.stdout.write(
          [
            t.id,
            t.displayPrefix + '…',
            t.name,
            `created ${iso(t.createdAt)}`,
            `last used ${iso(t.lastUsedAt)}`,
            t.revokedAt === null ? 'active' : `revoked ${iso(t.revokedAt)}`,
          ].join('\t') + '\n',
        );
      }
    });

  tokens
    .command('revoke')
    .description('revoke a token; it stops working on the next request')
    .argument('<id>', 'the token id shown by `joiner tokens list`')
    .option('--company <id>', 'the company', defaultCompanyId)
    .action(async (id: string, opts: { company: string }) => {
      const config = loadConfig();
      const revoked = await withDatabase(config, (db) => revokeAccessToken(db, opts.company, id));
      if (!revoked) throw new CliUsageError(`no active token ${id} in company ${opts.company}`);
      process.stderr.write(`joiner: token ${id} revoked.\n`);
    });
}
