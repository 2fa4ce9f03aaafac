import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

/** The sandbox's TLS identity: a self-signed certificate that is also its own trust anchor. */
export interface SandboxCertificate {
  /** Path of the PEM certificate: the value for `NODE_EXTRA_CA_CERTS`. */
  certPath: string;
  certPem: string;
  keyPem: string;
}

const certFile = 'entra-sandbox-cert.pem';
const keyFile = 'entra-sandbox-key.pem';
/** Renew a little before expiry so a long-running demo does not hit an expired certificate. */
const renewBeforeMs = 7 * 24 * 3600 * 1000;

/**
 * Returns the certificate kept in `dataDir`, generating it on first use (or when it is about to expire).
 * The certificate has CA:TRUE and subjectAltName localhost + 127.0.0.1 + ::1, so trusting the file itself
 * (NODE_EXTRA_CA_CERTS, `tlsOptions.ca`, an undici `connect.ca`) is enough for HTTPS to https://localhost:PORT.
 * Reusing it across restarts keeps clients that already trust it working.
 */
export async function ensureCertificate(dataDir: string): Promise<SandboxCertificate> {
  await mkdir(dataDir, { recursive: true });
  const certPath = join(dataDir, certFile);
  const keyPath = join(dataDir, keyFile);
  const existing = await readExisting(certPath, keyPath);
  if (existing) return existing;

  const generated = await generate();
  await writeFile(keyPath, generated.private, { mode: 0o600 });
  await writeFile(certPath, generated.cert, { mode: 0o644 });
  return { certPath, certPem: generated.cert, keyPem: generated.private };
}

async function readExisting(certPath: string, keyPath: string): Promise<SandboxCertificate | null> {
  try {
    const [certPem, keyPem] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    const validTo = new Date(new X509Certificate(certPem).validTo).getTime();
    if (validTo - Date.now() < renewBeforeMs) return null;
    return { certPath, certPem, keyPem };
  } catch {
    return null;
  }
}

function generate(): Promise<{ cert: string; private: string }> {
  const attrs = [{ name: 'commonName', value: 'localhost' }];
  const options = {
    days: 825,
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  };
  // The callback form lets node-forge use Node's native RSA key generation instead of pure JavaScript.
  return new Promise((resolve, reject) => {
    selfsigned.generate(attrs, options, (err, result) => {
      if (err) reject(err);
      else resolve(result);
    });
  });
}
