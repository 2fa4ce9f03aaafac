import type { IncomingMessage } from 'node:http';

/** Largest request body the sandbox reads; Graph refuses bigger JSON payloads too (4 MB). */
export const maxBodyBytes = 4 * 1024 * 1024;

/** Thrown when a request body is larger than {@link maxBodyBytes}. */
export class BodyTooLarge extends Error {}

/** Reads the raw request body as UTF-8 text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBodyBytes) throw new BodyTooLarge(`request body larger than ${maxBodyBytes} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
