import type { Command } from 'commander';
import type { AccessTokenTextField } from '../domain/access-token-fields';
import { AccessTokenDescription, AccessTokenName, checkAccessTokenField } from '../domain/access-token-fields';
import type { JoinerConfig } from '../domain/config';
import { defaultCompanyId } from '../store/companies';
import type { OperatorBackend } from './backend';
import { CliFailure, CliUsageError } from './errors';

/** The option's value trimmed, or a usage error naming the option and its problem. */
function checkText(schema: AccessTokenTextField, value: string, what: string): string {
  const checked = checkAccessTokenField(schema, value);
  if (!checked.ok) throw new CliUsageError(`${what} ${checked.problem}`);
  return checked.value;
}

/** Runs `fn` on the operator backend for this configuration (see `openOperatorBackend`) and closes it. */
export type WithBackend = <T>(fn: (backend: OperatorBackend, config: JoinerConfig) => Promise<T>) => Promise<T>;

/**
 * Adds `joiner tokens create|list|revoke`: the Access tokens page on the command line. `create` prints only the
 * token on stdout (so `TOKEN=$(joiner tokens create --name entra)` works); it cannot be shown again. While Joiner
 * runs on embedded PGlite the commands go through its admin API (ADMIN_PASSWORD), with the same output.
 */
export function registerTokenCommands(program: Command, withBackend: WithBackend): void {
  const tokens = program.command('tokens').description('SCIM access tokens (the secret token for Entra provisioning)');

  tokens
    .command('create')
    .description('create a token and print it once on stdout')
    .requiredOption('--name <name>', 'what the token is for, e.g. "Entra provisioning"')
    .option('--description <text>', 'a longer description')
    .option('--company <id>', 'the company the token authorises', defaultCompanyId)
    .action(async (opts: { name: string; description?: string; company: string }) => {
      const name = checkText(AccessTokenName, opts.name, '--name');
      const description =
        opts.description === undefined ? null : checkText(AccessTokenDescription, opts.description, '--description');
      const token = await withBackend((backend) => backend.createToken({ companyId: opts.company, name, description }));
      process.stdout.write(`${token}\n`);
      process.stderr.write(`joiner: token "${name}" created for company ${opts.company}; it is not shown again.\n`);
    });

  tokens
    .command('list')
    .description('list tokens (never the tokens themselves)')
    .option('--company <id>', 'the company', defaultCompanyId)
    .option('--json', 'print JSON')
    .action(async (opts: { company: string; json?: boolean }) => {
      const list = await withBackend((backend) => backend.listTokens(opts.company));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      if (list.length === 0) {
        process.stdout.write('no tokens\n');
        return;
      }
      for (const t of list) {
        process.stdout.write(
          [
            t.id,
            t.displayPrefix + '…',
            t.name,
            `created ${t.createdAt}`,
            `last used ${t.lastUsedAt ?? '-'}`,
            t.revokedAt === null ? 'active' : `revoked ${t.revokedAt}`,
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
      const revoked = await withBackend((backend) => backend.revokeToken(opts.company, id));
      if (!revoked) throw new CliFailure(`no active token ${id} in company ${opts.company}`);
      process.stderr.write(`joiner: token ${id} revoked.\n`);
    });
}
