#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startEntraSandbox } from './server';

const usage = `Usage: entra-sandbox [--port 8443] [--data-dir ./.joiner/entra-sandbox] [--control]
              [--latency-ms 0] [--replication-lag-ms 0] [--tenant-size small|medium|large] [--no-throttling]
              [--consent prompt|grant|deny]`;

function numberOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number, got '${value}'\n${usage}`);
    process.exit(2);
  }
  return n;
}

/** The `entra-sandbox` command: runs the Entra sandbox standalone and prints how to connect to it. */
async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '8443' },
        'data-dir': { type: 'string', default: './.joiner/entra-sandbox' },
        control: { type: 'boolean', default: false },
        'latency-ms': { type: 'string' },
        'replication-lag-ms': { type: 'string' },
        'tenant-size': { type: 'string', default: 'small' },
        'no-throttling': { type: 'boolean', default: false },
        consent: { type: 'string', default: 'prompt' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    return;
  }
  const size = values['tenant-size'];
  if (size !== 'small' && size !== 'medium' && size !== 'large') {
    console.error(`--tenant-size must be small, medium or large\n${usage}`);
    process.exit(2);
  }
  const consent = values.consent;
  if (consent !== 'prompt' && consent !== 'grant' && consent !== 'deny') {
    console.error(`--consent must be prompt, grant or deny\n${usage}`);
    process.exit(2);
  }
  const port = numberOption('port', values.port, 8443);
  if (!Number.isInteger(port) || port > 65535) {
    console.error(`--port must be an integer from 0 to 65535, got '${values.port}'\n${usage}`);
    process.exit(2);
  }
  const dataDir = resolve(values['data-dir']);
  const sandbox = await startEntraSandbox({
    port,
    dataDir,
    control: values.control,
    latencyMs: numberOption('latency-ms', values['latency-ms'], 0),
    replicationLagMs: numberOption('replication-lag-ms', values['replication-lag-ms'], 0),
    tenantSize: size,
    consentMode: consent,
    ...(values['no-throttling'] ? { throttling: false as const } : {}),
  });
  const lines = [
    `Entra sandbox (Microsoft Graph + identity platform) listening on ${sandbox.url}`,
    ``,
    `  ENTRA_AUTHORITY_HOST=${sandbox.url}`,
    `  GRAPH_BASE_URL=${sandbox.url}`,
    `  ENTRA_TENANT_ID=${sandbox.tenantId}`,
    `  ENTRA_CLIENT_ID=${sandbox.clientId}`,
    `  ENTRA_CLIENT_SECRET=${sandbox.clientSecret}`,
    ``,
    `  verified domains: ${sandbox.verifiedDomains.join(', ')} (unverified: fabrikam.com)`,
    `  unconsented tenant (for the consent flow): ${sandbox.unconsentedTenantId}`,
    `  admin consent: ${sandbox.url}/common/adminconsent?client_id=${sandbox.clientId}&redirect_uri=<your callback>`,
    `  certificate: ${sandbox.caCertPath}`,
    `  trust it: export NODE_EXTRA_CA_CERTS=${sandbox.caCertPath}`,
    sandbox.controlUrl ? `  control API: ${sandbox.controlUrl}` : `  control API: off (start with --control)`,
  ];
  console.log(lines.join('\n'));

  const stop = () => {
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('entra sandbox failed to start:', err);
  process.exit(1);
});
