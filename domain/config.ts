import { z } from 'zod';

/** Log levels pino understands, quietest last. */
export const LogLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);
export type LogLevel = z.infer<typeof LogLevel>;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((v) => v.replace(/\/+$/, ''));

const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .pipe(httpUrl.optional())
  .optional();

/**
 * The process environment (docs/configuration.md). Unset optional values stay `undefined` here and are resolved to
 * embedded defaults (PGlite, the Temporal and Entra sandboxes) by the process that starts.
 */
export const JoinerEnv = z
  .object({
    PORT: z.coerce.number({ error: 'must be a number' }).int().min(0).max(65535).default(3000),
    /** Where `joiner worker` serves `/healthz`, `/readyz` and `/metrics` (the API serves them on PORT); 0: any free port. */
    METRICS_PORT: z.coerce.number({ error: 'must be a number' }).int().min(0).max(65535).default(9464),
    PUBLIC_URL: optionalUrl,
    /** Where the `joiner` command line reaches a running Joiner's API (default PUBLIC_URL); set it to always use the API. */
    JOINER_URL: optionalUrl,
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
        .optional(),
    ),
    DATA_DIR: z.string().trim().min(1).default('./.joiner'),
    TEMPORAL_ADDRESS: optionalString.pipe(
      z
        .string()
        .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port')
        .optional(),
    ),
    TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('joiner'),
    /** The Web UI port of the dev server `joiner start` runs when TEMPORAL_ADDRESS is unset. */
    TEMPORAL_UI_PORT: z.coerce.number({ error: 'must be a number' }).int().min(1).max(65535).default(8233),
    /** Base URL of the Temporal Web UI for links; default: the dev server's UI on TEMPORAL_UI_PORT. */
    TEMPORAL_UI_URL: optionalUrl,
    ENTRA_CLIENT_ID: optionalString,
    ENTRA_CLIENT_SECRET: optionalString,
    ENTRA_TENANT_ID: optionalString,
    ENTRA_AUTHORITY_HOST: optionalUrl.transform((v) => v ?? 'https://login.microsoftonline.com'),
    GRAPH_BASE_URL: optionalUrl.transform((v) => v ?? 'https://graph.microsoft.com'),
    /**
     * Graph writes per second and tenant, sustained, across every worker of the deployment: the budget is this many
     * times GRAPH_WRITE_WINDOW_SECONDS writes in any window, which a burst may use at once. Graph allows an app
     * 3,000 writes per 150 s in a tenant: 20 per second.
     */
    GRAPH_WRITES_PER_SECOND: z.coerce
      .number({ error: 'must be a number' })
      .positive({ error: 'must be a number of writes per second above 0' })
      .max(10_000, { error: 'must be at most 10000 writes per second' })
      .default(20),
    /** The window of the write budget: Graph's is 150 s; shorter only to match a stand-in (tests, benchmarks). */
    GRAPH_WRITE_WINDOW_SECONDS: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number of seconds' })
      .min(1, { error: 'must be at least 1 second' })
      .max(3600, { error: 'must be at most 3600 seconds' })
      .default(150),
    /**
     * Requests the HR webhook route, and separately the SCIM routes, work on at once; more are answered 503 with
     * Retry-After (shed) instead of queueing until they time out.
     */
    MAX_IN_FLIGHT_REQUESTS: z.coerce
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1)
      .max(100_000)
      .default(128),
    WEBHOOK_SECRET: optionalString,
    ADMIN_PASSWORD: optionalString,
    LOG_LEVEL: LogLevel.default('info'),
    /** Days settled HR events (delivered or stale) are kept before the daily housekeeping deletes them. */
    HR_EVENT_RETENTION_DAYS: z.coerce.number({ error: 'must be a number' }).int().min(1).max(3650).default(30),
  })
  .superRefine((env, ctx) => {
    if (env.ENTRA_CLIENT_ID !== undefined && env.ENTRA_CLIENT_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ENTRA_CLIENT_SECRET'],
        message: 'is required when ENTRA_CLIENT_ID is set',
      });
    }
  });

export type JoinerEnv = z.infer<typeof JoinerEnv>;

/** The validated configuration with every default resolved. */
export type JoinerConfig = JoinerEnv & { PUBLIC_URL: string; TEMPORAL_UI_URL: string };

/** Thrown by {@link parseConfig}; its message names every bad variable and what is wrong with it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Parses and validates the environment. Pure: pass `process.env` at start.
 * @throws ConfigError naming each invalid variable
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): JoinerConfig {
  const parsed = JoinerEnv.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const config = parsed.data;
  return {
    ...config,
    PUBLIC_URL: config.PUBLIC_URL ?? `http://localhost:${config.PORT}`,
    TEMPORAL_UI_URL: config.TEMPORAL_UI_URL ?? `http://localhost:${config.TEMPORAL_UI_PORT}`,
  };
}
