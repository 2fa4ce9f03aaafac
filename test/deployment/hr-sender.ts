/**
 * The HR system's webhook sender, a process of its own (started by `startHrSender` in ./rig.ts):
 * `node --import tsx test/deployment/hr-sender.ts <spec.json>`. It posts each body of the spec, signed, at the spec's
 * rate (body `i` is due `i / rate` seconds after the start, whatever the answers before it: open loop, as an HR
 * system sends), spreading them over the API URLs in turn. It delivers as an HR system's webhook queue does:
 *
 * - at most `concurrency` requests open at once; an event due while all are busy waits for one;
 * - an event is retried until it is acknowledged: on a connection error, a timeout, 429 or 5xx it tries the next URL
 *   after an exponential backoff with full jitter (a random pause up to `retryBaseMs` · 2^(attempt − 1), at most
 *   `retryMaxMs`), or after the answer's `Retry-After` when it has one, until `retryForMs` after it was due. The
 *   events that failed together therefore come back spread over time, not all at once when the API returns. Any
 *   other 4xx is final.
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
  /** Requests open at once at most; default 16. */
  concurrency?: number;
  /** The backoff before an event's first retry, at most (doubled at each further retry); default 500 ms. */
  retryBaseMs?: number;
  /** The longest backoff; default 8 s. */
  retryMaxMs?: number;
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

/** An answer: its status, and its `Retry-After` in ms when it has one in seconds. */
interface Answer {
  status: number;
  retryAfterMs?: number;
}

function attempt(agent: http.Agent, url: string, secret: string, raw: string, timeoutMs: number) {
  return new Promise<Answer>((resolve, reject) => {
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
        const retryAfter = Number(res.headers['retry-after']);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(raw);
  });
}

const retryable = (status: number) => status === 0 || status === 429 || status >= 500;

/** Bounds the requests open at once: {@link run} waits for a free slot. */
class Slots {
  private free: number;
  private readonly waiters: (() => void)[] = [];
  constructor(count: number) {
    this.free = count;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiters.push(resolve));
    try {
      return await fn();
    } finally {
      // The slot goes to the next waiter as it is, or back to the pool.
      const next = this.waiters.shift();
      if (next) next();
      else this.free++;
    }
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as HrSendSpec;
  const retryForMs = spec.retryForMs ?? 120_000;
  const retryBaseMs = spec.retryBaseMs ?? 500;
  const retryMaxMs = spec.retryMaxMs ?? 8_000;
  const timeoutMs = spec.timeoutMs ?? 10_000;
  const concurrency = spec.concurrency ?? 16;
  const slots = new Slots(concurrency);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const retried: Record<string, number> = {};
  const outcomes: HrSendOutcome[] = [];
  const start = performance.now();
  let lastFirstSend = start;

  const send = async (event: number): Promise<void> => {
    const due = start + (event * 1000) / spec.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    // Signed at every attempt, as a sender does: the signature carries a timestamp.
    const raw = JSON.stringify(spec.bodies[event]);
    let attempts = 0;
    for (;;) {
      const url = spec.urls[(event + attempts) % spec.urls.length]!;
      attempts++;
      let answer: Answer;
      let error: string | undefined;
      try {
        answer = await slots.run(() => {
          if (attempts === 1) lastFirstSend = Math.max(lastFirstSend, performance.now());
          return attempt(agent, url, spec.secret, raw, timeoutMs);
        });
      } catch (err) {
        answer = { status: 0 };
        error = (err as Error).message;
      }
      const { status } = answer;
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
      await sleep(answer.retryAfterMs ?? Math.random() * Math.min(retryMaxMs, retryBaseMs * 2 ** (attempts - 1)));
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
