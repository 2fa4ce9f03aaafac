/**
 * The protobuf boundary of the sandbox: message types come from the protobufjs root that `@temporalio/proto`
 * exports (the same definitions the SDK is compiled against), and every message crosses into sandbox code as a plain
 * object whose 64-bit integers are JavaScript numbers.
 */
import * as proto from '@temporalio/proto';

export { temporal, google } from '@temporalio/proto';
export const enums = proto.temporal.api.enums.v1;

/** The parts of protobufjs reflection the sandbox uses (the package's typings describe only the generated types). */
interface ReflectionType {
  decode(buf: Uint8Array): object;
  encode(message: object): { finish(): Uint8Array };
  fromObject(obj: Record<string, unknown>): object;
  toObject(message: object, options: { longs: NumberConstructor; defaults: boolean }): object;
}
export interface ReflectionMethod {
  name: string;
  requestStream?: boolean;
  responseStream?: boolean;
  resolve(): void;
  resolvedRequestType: { fullName: string } | null;
  resolvedResponseType: { fullName: string } | null;
}
interface ReflectionRoot {
  lookupType(name: string): ReflectionType;
  lookupService(name: string): { methodsArray: ReflectionMethod[] };
}
/** The protobufjs root with every Temporal API definition. */
export const root = proto as unknown as ReflectionRoot;

type LongLike = { high: number; low: number; unsigned: boolean; toNumber(): number };

/** A protobufjs message shape with its `Long` fields turned into numbers (what `toObject({ longs: Number })` gives). */
export type Plain<T> = T extends LongLike
  ? number
  : T extends Uint8Array
    ? Uint8Array
    : T extends (infer U)[]
      ? Plain<U>[]
      : T extends object
        ? { [K in keyof T]: Plain<T[K]> }
        : T;

export type HistoryEvent = Plain<proto.temporal.api.history.v1.IHistoryEvent>;
export type Payload = Plain<proto.temporal.api.common.v1.IPayload>;
export type Payloads = Plain<proto.temporal.api.common.v1.IPayloads>;
export type Failure = Plain<proto.temporal.api.failure.v1.IFailure>;
export type RetryPolicy = Plain<proto.temporal.api.common.v1.IRetryPolicy>;
export type Header = Plain<proto.temporal.api.common.v1.IHeader>;
export type Memo = Plain<proto.temporal.api.common.v1.IMemo>;
export type SearchAttributes = Plain<proto.temporal.api.common.v1.ISearchAttributes>;
export type Command = Plain<proto.temporal.api.command.v1.ICommand>;
export type Duration = Plain<proto.google.protobuf.IDuration>;
export type Timestamp = Plain<proto.google.protobuf.ITimestamp>;
export type WorkflowExecutionInfo = Plain<proto.temporal.api.workflow.v1.IWorkflowExecutionInfo>;

/** The reflection type of a message, by its full name (for example `temporal.api.history.v1.History`). */
export interface MessageCodec {
  decode(buf: Uint8Array): object;
  encode(obj: object): Uint8Array;
}

const codecs = new Map<string, MessageCodec>();

/** Returns a cached codec for the message type `fullName`: decode gives a plain object, encode accepts one. */
export function codecFor(fullName: string): MessageCodec {
  let codec = codecs.get(fullName);
  if (!codec) {
    const type = root.lookupType(fullName);
    codec = {
      decode: (buf) => type.toObject(type.decode(buf), { longs: Number, defaults: false }),
      encode: (obj) => type.encode(type.fromObject(obj as Record<string, unknown>)).finish(),
    };
    codecs.set(fullName, codec);
  }
  return codec;
}

/** Milliseconds since the epoch as a protobuf Timestamp. */
export function timestamp(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** A protobuf Timestamp as milliseconds since the epoch (0 when absent). */
export function timestampMs(ts: Timestamp | null | undefined): number {
  if (!ts) return 0;
  return (ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/** Milliseconds as a protobuf Duration. */
export function duration(ms: number): Duration {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** A protobuf Duration as milliseconds (0 when absent, which Temporal reads as "not set"). */
export function durationMs(d: Duration | null | undefined): number {
  if (!d) return 0;
  return (d.seconds ?? 0) * 1000 + Math.floor((d.nanos ?? 0) / 1e6);
}

/** Decodes a JSON payload (`json/plain`), as search attribute values are; undefined when it is not JSON. */
export function payloadJson(payload: Payload | undefined): unknown {
  if (!payload?.data || payload.data.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(payload.data).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
