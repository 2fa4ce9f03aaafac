/** Runs the built `joiner` command (dist/cli/main.js, built by `npm test`) as a child process, as a user would. */
import type { ChildProcessByStdio } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';

export const repo = path.resolve(__dirname, '../..');
const bin = path.join(repo, 'dist/cli/main.js');

/** The process environment minus everything that configures Joiner, plus `env`. */
export function joinerEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !/^(ENTRA_|GRAPH_|TEMPORAL_|DATABASE_URL|WEBHOOK_SECRET|ADMIN_PASSWORD|JOINER_URL|PUBLIC_URL|NODE_PATH|NODE_OPTIONS)/.test(
          name,
        ),
    ),
  );
  return { ...base, LOG_LEVEL: 'warn', PORT: '0', ...env };
}

export interface JoinerRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `joiner <args>` to its end. */
export function runJoiner(args: string[], env: Record<string, string> = {}): Promise<JoinerRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: repo, env: joinerEnv(env), timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`joiner ${args.join(' ')} did not run to its end: ${error.message}`));
          return;
        }
        resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}

/** A long-running `joiner <command>` whose JSON log lines can be awaited. */
export class JoinerProcess {
  readonly logs: Record<string, unknown>[] = [];
  stderr = '';
  private readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcessByStdio<null, Readable, Readable>) {
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('{')) this.logs.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static start(command: string, env: Record<string, string>): JoinerProcess {
    const child = spawn(process.execPath, [bin, command], {
      cwd: repo,
      env: joinerEnv({ LOG_LEVEL: 'info', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new JoinerProcess(child);
  }

  /** The first log line with this message; fails when the process exits before logging it. */
  async logged(msg: string): Promise<Record<string, unknown>> {
    for (;;) {
      const line = this.logs.find((l) => l.msg === msg);
      if (line) return line;
      const exited = await Promise.race([this.exited, new Promise((r) => setTimeout(() => r('waiting'), 100))]);
      if (exited !== 'waiting') throw new Error(`joiner exited (${String(exited)}): ${this.stderr}`);
    }
  }

  exitCode(): Promise<number | null> {
    return this.exited;
  }

  /** Sends SIGTERM (once) and resolves to the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}
