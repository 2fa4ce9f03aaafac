/**
 * `joiner migrate`, `employees list|show`, `resync`, `send-hr-event` and `status`: what an operator runs against an
 * installation. Text for people by default, `--json` for scripts; errors are one line (see cli/main.ts for exit codes).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { Option } from 'commander';
import { signAlexisPayload } from '../api/hr-webhook/signature';
import type { JoinerConfig } from '../domain/config';
import { LifecyclePhase } from '../domain/lifecycle-phase';
import type { InstallationStatus } from '../orchestration/operations';
import { defaultCompanyId } from '../store/companies';
import { DataDirLockedError } from '../store/data-dir-lock';
import { databaseOptionsFromConfig, openDatabase } from '../store/db';
import { notStartedPhase } from '../store/employee-read-model';
import type { EmployeePhaseFilter } from '../store/employee-read-model';
import type { EmployeeDetails, Json, OperatorBackend } from './backend';
import { ResyncScope } from '../workflows/definitions';
import { CliFailure, CliUsageError } from './errors';
import type { WithBackend } from './tokens';
import type { ResyncStatus } from '../orchestration/operations';

const out = (line = '') => process.stdout.write(`${line}\n`);
const printJson = (value: unknown) => out(JSON.stringify(value, null, 2));

const phases: readonly string[] = [...Object.values(LifecyclePhase), notStartedPhase];

/** Adds the operator commands to `program`. */
export function registerOperatorCommands(
  program: Command,
  loadConfig: () => JoinerConfig,
  withBackend: WithBackend,
): void {
  program
    .command('migrate')
    .description('apply pending database migrations (DATABASE_URL, else the embedded database in DATA_DIR) and exit')
    .action(async () => {
      const config = loadConfig();
      let database;
      try {
        database = await openDatabase(databaseOptionsFromConfig(config));
      } catch (err) {
        if (err instanceof DataDirLockedError) {
          throw new CliFailure(
            `the data directory ${err.dataDir} is in use by a running Joiner, which applied the migrations when it started`,
          );
        }
        throw new CliFailure(`cannot migrate the database: ${(err as Error).message.split('\n')[0]}`);
      }
      await database.close();
      out(`database migrated (${database.kind === 'postgres' ? 'PostgreSQL' : `embedded, ${config.DATA_DIR}`})`);
    });

  registerEmployeeCommands(program, withBackend);
  registerResyncCommand(program, withBackend);
  registerSendHrEvent(program, loadConfig);

  program
    .command('status')
    .description('check the database, Temporal and each company’s Entra connection; exit 1 when one is down')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const status = await withBackend((backend) => backend.status());
      if (opts.json) printJson(status);
      else printStatus(status);
      const down = [status.database, status.temporal, ...status.companies.map((c) => c.entraCheck)].some(
        (c) => c.status === 'failed',
      );
      if (down) process.exitCode = 1;
    });
}

function describeCheck(check: InstallationStatus['database']): string {
  switch (check.status) {
    case 'ok':
      return 'ok';
    case 'failed':
      return `FAILED: ${check.error}`;
    case 'unchecked':
      return `not checked (${check.reason})`;
  }
}

function printStatus(status: InstallationStatus): void {
  out(`database   ${describeCheck(status.database)}`);
  out(`temporal   ${describeCheck(status.temporal)} (namespace ${status.temporal.namespace})`);
  for (const c of status.companies) {
    const tenant = c.tenantId === null ? 'no tenant' : `tenant ${c.tenantId}`;
    out(`company ${c.companyId}: Entra ${c.entraStatus}, ${tenant}; check ${describeCheck(c.entraCheck)}`);
  }
}

function parsePositive(value: string, what: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new CliUsageError(`${what} must be a whole number from 1 to ${max}`);
  return n;
}

function registerEmployeeCommands(program: Command, withBackend: WithBackend): void {
  const employees = program.command('employees').description('employees as HR and the workflows see them');

  employees
    .command('list')
    .description('list employees with their phase, newest HR change first')
    .addOption(new Option('--phase <phase>', 'only employees in this lifecycle phase').choices(phases))
    .option('--search <text>', 'match the HR id, work email or name')
    .option('--company <id>', 'the company', defaultCompanyId)
    .option('--limit <n>', 'at most this many (1–500)', '100')
    .option('--after <id>', 'the page after this employee id (from a previous --json answer)')
    .option('--json', 'print JSON (with the cursor of the next page)')
    .action(
      async (opts: {
        phase?: string;
        search?: string;
        company: string;
        limit: string;
        after?: string;
        json?: boolean;
      }) => {
        const limit = parsePositive(opts.limit, '--limit', 500);
        const page = await withBackend((backend) =>
          backend.listEmployees(opts.company, {
            phase: opts.phase as EmployeePhaseFilter | undefined,
            search: opts.search,
            limit,
            after: opts.after,
          }),
        );
        if (opts.json) {
          printJson(page);
          return;
        }
        if (page.rows.length === 0) {
          out('no employees match');
          return;
        }
        for (const row of page.rows) {
          const name = [row.firstName, row.lastName].filter(Boolean).join(' ') || '-';
          out(
            [
              row.id,
              row.phase ?? notStartedPhase,
              name,
              row.workEmail ?? '-',
              row.lastError === null ? '' : `error: ${row.lastError}`,
            ]
              .join('\t')
              .trimEnd(),
          );
        }
        const more = page.nextAfter === null ? '' : `; more with --after ${page.nextAfter}`;
        process.stderr.write(`joiner: ${page.rows.length} of ${page.total} employees${more}\n`);
      },
    );

  employees
    .command('show')
    .description('one employee: HR snapshot, workflow state, pending timers, last error, Temporal UI link')
    .argument('<id>', 'the HR employee id')
    .option('--company <id>', 'the company', defaultCompanyId)
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { company: string; json?: boolean }) => {
      const view = await withBackend((backend) => backend.showEmployee(opts.company, id));
      if (view === null) throw new CliFailure(`company ${opts.company} has no employee "${id}"`);
      if (opts.json) printJson(view);
      else printEmployee(view);
    });
}

function printEmployee(view: EmployeeDetails): void {
  const { employee, workflow } = view;
  out(`employee ${employee.id} of company ${view.companyId}`);
  out(`  phase (recorded)  ${employee.phase ?? notStartedPhase}`);
  out(`  HR version        ${employee.version} (reconciled ${employee.reconciledVersion ?? 'never'})`);
  out(`  Entra object id   ${view.entraObjectId ?? '-'}`);
  out(`  last error        ${employee.lastError ?? '-'}`);
  out(`  workflow          ${view.workflowId}`);
  out(`  Temporal UI       ${view.temporalUiUrl}`);
  if (workflow.status === 'answered') {
    const state = workflow.state;
    out(`  workflow phase    ${state.phase}${state.waitingReason === null ? '' : ` (${state.waitingReason})`}`);
    if (state.lastError !== null) out(`  workflow error    ${state.lastError.type}: ${state.lastError.message}`);
    if (state.pendingTimers.length === 0) out('  pending timers    none');
    else {
      out('  pending timers');
      for (const t of state.pendingTimers) out(`    ${t.dueAt}  ${t.kind}  ${t.description}`);
    }
  } else if (workflow.status === 'not-found') {
    out('  workflow state    Temporal has no workflow for this employee (a resync starts it)');
  } else {
    out(`  workflow state    unavailable: ${workflow.reason}`);
  }
  out('  HR snapshot');
  for (const line of JSON.stringify(employee.snapshot, null, 2).split('\n')) out(`    ${line}`);
}

function registerResyncCommand(program: Command, withBackend: WithBackend): void {
  program
    .command('resync')
    .description('re-drive employees from the database into their workflows, with progress and a summary')
    .option('--company <id>', 'only this company (default: every company)')
    .addOption(
      new Option('--scope <scope>', 'all: every employee; missing: only those Temporal has not caught up with')
        .choices([ResyncScope.All, ResyncScope.Missing])
        .default(ResyncScope.All),
    )
    .option('--no-wait', 'start the resync and exit without following it')
    .option('--json', 'print the final state as JSON (no progress bar)')
    .action(async (opts: { company?: string; scope: ResyncScope; wait: boolean; json?: boolean }) => {
      const results = await withBackend(async (backend) => {
        const companies =
          opts.company !== undefined ? [opts.company] : (await backend.status()).companies.map((c) => c.companyId);
        if (companies.length === 0) throw new CliFailure('there are no companies to resync');
        const started = [];
        for (const companyId of companies) started.push(await backend.startResync(companyId, opts.scope));
        if (!opts.wait) return started.map((s) => ({ ...s, status: null }));
        return followResyncs(backend, companies, !opts.json && process.stderr.isTTY === true);
      });
      if (opts.json) {
        printJson(results);
      } else {
        for (const r of results) out(summarize(r));
      }
      if (
        results.some((r) => r.status !== null && (r.status.status === 'failed' || (r.status.progress?.failed ?? 0) > 0))
      ) {
        process.exitCode = 1;
      }
    });
}

type FollowedResync = { companyId: string; status: Json<ResyncStatus> | null };

function summarize(result: FollowedResync & { workflowId?: string; started?: boolean }): string {
  if (result.status === null) {
    return `resync of company ${result.companyId} ${result.started ? 'started' : 'already running'} (${result.workflowId})`;
  }
  const { status, progress } = result.status;
  if (status === 'failed')
    return `resync of company ${result.companyId} FAILED (see ${result.status.workflowId} in Temporal)`;
  if (progress === null) return `resync of company ${result.companyId}: ${status}`;
  const failures = progress.failures.map((f) => `\n  ${f.employeeId}: ${f.message}`).join('');
  return (
    `resync of company ${result.companyId} (${progress.scope}): ${progress.scanned} employees looked at, ` +
    `${progress.redriven} re-driven, ${progress.failed} failed${failures}`
  );
}

/** Polls each company's resync until it ended, drawing a progress bar on a terminal. */
async function followResyncs(
  backend: OperatorBackend,
  companies: readonly string[],
  drawBar: boolean,
): Promise<FollowedResync[]> {
  const results: FollowedResync[] = [];
  for (const companyId of companies) {
    let status: Json<ResyncStatus>;
    for (;;) {
      status = await backend.resyncStatus(companyId);
      if (drawBar) process.stderr.write(`\r${progressBar(companyId, status)}`);
      if (status.status === 'completed' || status.status === 'failed' || status.status === 'none') break;
      await sleep(500);
    }
    if (drawBar) process.stderr.write('\n');
    results.push({ companyId, status });
  }
  return results;
}

function progressBar(companyId: string, status: Json<ResyncStatus>): string {
  const progress = status.progress;
  const total = progress?.total ?? null;
  const done = progress === null ? 0 : progress.redriven + progress.failed;
  const width = 30;
  const ratio = total === null || total === 0 ? (status.status === 'completed' ? 1 : 0) : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  return (
    `${companyId} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total ?? '?'}` +
    ` re-driven ${progress?.redriven ?? 0} failed ${progress?.failed ?? 0}   `
  );
}

function registerSendHrEvent(program: Command, loadConfig: () => JoinerConfig): void {
  program
    .command('send-hr-event')
    .description('sign an HR event (a JSON file) with WEBHOOK_SECRET and post it to Joiner’s webhook, as HR would')
    .argument(
      '<file>',
      'the event: {"type":"employee.created","data":{"employee":{…}}}; id, occurredAt, companyId and the version are filled in when missing',
    )
    .option('--url <url>', 'Joiner’s base URL (default JOINER_URL, else PUBLIC_URL)')
    .option('--json', 'print the sent event and the answer as JSON')
    .action(async (file: string, opts: { url?: string; json?: boolean }) => {
      const config = loadConfig();
      if (config.WEBHOOK_SECRET === undefined) {
        throw new CliUsageError('set WEBHOOK_SECRET to the secret Joiner verifies webhooks with');
      }
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new CliUsageError(
          `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
      }
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(text) as Record<string, unknown>;
      } catch (err) {
        throw new CliUsageError(`${file} is not JSON: ${(err as Error).message}`);
      }
      if (event === null || typeof event !== 'object' || Array.isArray(event)) {
        throw new CliUsageError(`${file} must hold one JSON object (an HR event)`);
      }
      const filled = fillEvent(event);
      const base = (opts.url ?? config.JOINER_URL ?? config.PUBLIC_URL).replace(/\/+$/, '');
      const raw = JSON.stringify(filled);
      let response: Response;
      try {
        response = await fetch(`${base}/webhooks/alexis`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-alexis-signature': signAlexisPayload(config.WEBHOOK_SECRET, raw),
          },
          body: raw,
          signal: AbortSignal.timeout(30_000),
        });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause;
        throw new CliFailure(
          `cannot reach Joiner at ${base} (${cause?.code ?? (err as Error).message}): start it, or pass --url`,
        );
      }
      const answer = (await response.text()) || '{}';
      let body: unknown;
      try {
        body = JSON.parse(answer);
      } catch {
        body = answer;
      }
      if (opts.json) printJson({ sent: filled, status: response.status, answer: body });
      else out(`${response.status} ${typeof body === 'string' ? body : JSON.stringify(body)}`);
      if (!response.ok) {
        const message = (body as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${response.status}`;
        throw new CliFailure(`Joiner refused the event: ${message}`);
      }
    });
}

/** Fills in what a hand-written event may leave out: id, occurredAt, companyId and the employee's version. */
function fillEvent(event: Record<string, unknown>): Record<string, unknown> {
  const data = event.data as { employee?: Record<string, unknown> } | undefined;
  const employee = data?.employee;
  return {
    ...event,
    id: event.id ?? `evt_${randomUUID()}`,
    occurredAt: event.occurredAt ?? new Date().toISOString(),
    companyId: event.companyId ?? defaultCompanyId,
    ...(employee !== undefined && typeof employee === 'object' && employee !== null && employee.version === undefined
      ? // Versions only rise: the clock in milliseconds makes every hand-sent event newer than the last one.
        { data: { ...data, employee: { ...employee, version: Date.now() } } }
      : {}),
  };
}
