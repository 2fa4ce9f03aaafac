/**
 * The HR system's webhook sender, a process of its own (started by `startHrSender` in ./rig.ts):
 * `node --import tsx test/deployment/hr-sender.ts <spec.json>`. It posts each body of the spec, signed, at the spec's
 * rate (body `i` is due `i / rate` seconds after the start, whatever the answers before it: open loop, as an HR
 * system sends), spreading them over the API URLs in turn. Like an HR system's webhook delivery it retries an event
 * until it is acknowledged: on a connection error, a timeout, 429 or 5xx it tries the next URL after a pause, until
 * `retryForMs` after the event was due. Any other 4xx is final.
 *
 * Output, one JSON line each: `{"event":i,"status":202,"attempts":1,"ms":12}` when event `i` is settled (acknowledged
 * or given up), then `{"summary":{…}}` (see {@link HrSendSummary}).
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { signAlexisPayload } from '../../api/hr-webhook/signature';

export interface HrSendSpec {
  urls: string[];
  secret: string;
  /** Events per second. */
  rate: number;
  bodies: unknown[];
  /** How long an event is retried after it was due; default 120 s. */
  retryForMs?: number;
  /** The pause between two attempts of an event; default 250 ms. */
  retryPauseMs?: number;
  /** One attempt's timeout; default 10 s. */
  timeoutMs?: number;
}

/** What happened to one event. */
export interface HrSendOutcome {
  event: number;
  /** The final answer: a 2xx when acknowledged; else the last status, or 0 for a connection error or a timeout. */
  status: number;
  attempts: number;
  /** From the moment it was due to its final answer. */
  ms: number;
  /** The last failure when not acknowledged. */
  error?: string;
}

export interface HrSendSummary {
  sent: number;
  /** Acknowledged with a 2xx (after retries or not). */
  acknowledged: number;
  /** Not acknowledged: their indexes. */
  unacknowledged: number[];
  /** Attempts that failed and were retried, by status (`0`: no answer). */
  retriedByStatus: Record<string, number>;
  /** Seconds from the first event due to the last one sent for the first time. */
  sendSeconds: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function attempt(agent: http.Agent, url: string, secret: string, raw: string, timeoutMs: number) {
  return new Promise<number>((resolve, reject) => {
    const req = http.request(
      `${url}/webhooks/alexis`,
      {
        method: 'POST',
        agent,
        timeout: timeoutMs,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(raw),
          'x-alexis-signature': signAlexisPayload(secret, raw),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(raw);
  });
}

const retryable = (status: number) => status === 0 || status === 429 || status >= 500;

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as HrSendSpec;
  const retryForMs = spec.retryForMs ?? 120_000;
  const retryPauseMs = spec.retryPauseMs ?? 250;
  const timeoutMs = spec.timeoutMs ?? 10_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const retried: Record<string, number> = {};
  const outcomes: HrSendOutcome[] = [];
  const start = performance.now();
  let lastFirstSend = start;

  const send = async (event: number): Promise<void> => {
    const due = start + (event * 1000) / spec.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    lastFirstSend = Math.max(lastFirstSend, performance.now());
    // Signed at every attempt, as a sender does: the signature carries a timestamp.
    const raw = JSON.stringify(spec.bodies[event]);
    let attempts = 0;
    for (;;) {
      const url = spec.urls[(event + attempts) % spec.urls.length]!;
      attempts++;
      let status: number;
      let error: string | undefined;
      try {
        status = await attempt(agent, url, spec.secret, raw, timeoutMs);
      } catch (err) {
        status = 0;
        error = (err as Error).message;
      }
      const ms = Math.round(performance.now() - due);
      if (status >= 200 && status < 300) {
        outcomes.push({ event, status, attempts, ms });
        break;
      }
      if (!retryable(status) || performance.now() - due > retryForMs) {
        outcomes.push({ event, status, attempts, ms, error: error ?? `answered ${status}` });
        break;
      }
      retried[String(status)] = (retried[String(status)] ?? 0) + 1;
      await sleep(retryPauseMs);
    }
    process.stdout.write(`${JSON.stringify(outcomes.at(-1))}\n`);
  };

  await Promise.all(spec.bodies.map((_, i) => send(i)));
  agent.destroy();
  const summary: HrSendSummary = {
    sent: spec.bodies.length,
    acknowledged: outcomes.filter((o) => o.status >= 200 && o.status < 300).length,
    unacknowledged: outcomes
      .filter((o) => o.status < 200 || o.status >= 300)
      .map((o) => o.event)
      .sort((a, b) => a - b),
    retriedByStatus: retried,
    sendSeconds: Math.round(lastFirstSend - start) / 1000,
  };
  process.stdout.write(`${JSON.stringify({ summary })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
