/**
 * Task tokens: opaque to workers, they name the task they answer. A token of an earlier attempt, a finished task or
 * a closed run no longer matches and is answered NOT_FOUND, as Temporal does.
 */
import { invalidArgument } from './errors';

export interface TaskToken {
  /** workflow task, activity task or query task */
  kind: 'wft' | 'act' | 'query';
  namespace: string;
  runId: string;
  /** workflow task: its sequence number; activity: its scheduled event id; query: the query id */
  id: number;
  /** activity attempt */
  attempt?: number;
}

export function encodeTaskToken(token: TaskToken): Uint8Array {
  return Buffer.from(JSON.stringify(token), 'utf8');
}

export function decodeTaskToken(bytes: Uint8Array | null | undefined): TaskToken {
  try {
    const token = JSON.parse(Buffer.from(bytes ?? []).toString('utf8')) as Partial<TaskToken>;
    if (typeof token.namespace === 'string' && typeof token.runId === 'string' && typeof token.id === 'number')
      return token as TaskToken;
  } catch {
    // fall through to the error below
  }
  throw invalidArgument('malformed task token');
}
