/**
 * gRPC wiring: serves WorkflowService, OperatorService (search attributes), TestService (time skipping) and
 * grpc.health.v1.Health from the message definitions in `@temporalio/proto`. Every method of a served service is
 * registered; the ones the sandbox does not offer answer UNIMPLEMENTED with a message naming them.
 */
import type { sendUnaryData, ServerUnaryCall, UntypedServiceImplementation } from '@grpc/grpc-js';
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { ActivityTasks } from './activity-tasks';
import { SandboxEngine } from './engine';
import { ServiceError, unimplemented } from './errors';
import type { IndexedValueType } from './namespace-store';
import { systemSearchAttributes } from './namespace-store';
import type { Plain } from './proto';
import { codecFor, durationMs, root, timestamp, timestampMs } from './proto';
import type { temporal } from './proto';
import type { UnaryHandler } from './workflow-service';
import { workflowServiceHandlers } from './workflow-service';
import { WorkflowTasks } from './workflow-tasks';

/** Options of a sandbox server. */
export interface SandboxServerOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Skip time like Temporal's test server (the clock starts locked by the client). */
  timeSkipping?: boolean;
  /** Namespaces besides `default`. */
  namespaces?: string[];
  /** Custom search attributes registered in every namespace at start. */
  searchAttributes?: Record<string, IndexedValueType>;
  /** Called with one line per failed call (and per call when `verbose`). */
  log?: (line: string) => void;
  verbose?: boolean;
}

/** A running sandbox server. */
export interface SandboxServer {
  /** host:port to give the SDK's `address` option. */
  readonly address: string;
  readonly port: number;
  readonly engine: SandboxEngine;
  /** Stops accepting calls, answers waiting polls and stops the clock. */
  close(): Promise<void>;
}

type Handlers = Record<string, UnaryHandler>;

function testServiceHandlers(engine: SandboxEngine): Handlers {
  const clock = engine.clock;
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.schedule(ms, resolve));
  const unlock = () => clock.clientUnlock();
  return {
    LockTimeSkipping: () => {
      clock.clientLock();
      return {};
    },
    UnlockTimeSkipping: () => {
      unlock();
      return {};
    },
    UnlockTimeSkippingWithSleep: async (req: Plain<temporal.api.testservice.v1.ISleepRequest>) => {
      const slept = sleep(durationMs(req.duration));
      unlock();
      await slept;
      clock.clientLock();
      return {};
    },
    Sleep: async (req: Plain<temporal.api.testservice.v1.ISleepRequest>) => {
      await sleep(durationMs(req.duration));
      return {};
    },
    SleepUntil: async (req: Plain<temporal.api.testservice.v1.ISleepUntilRequest>) => {
      await sleep(timestampMs(req.timestamp) - clock.now());
      return {};
    },
    GetCurrentTime: () => ({ time: timestamp(clock.now()) }),
  };
}

function operatorServiceHandlers(engine: SandboxEngine): Handlers {
  return {
    AddSearchAttributes: (req: Plain<temporal.api.operatorservice.v1.IAddSearchAttributesRequest>) => {
      engine.namespace(req.namespace).registerSearchAttributes(req.searchAttributes ?? {});
      return {};
    },
    RemoveSearchAttributes: (req: Plain<temporal.api.operatorservice.v1.IRemoveSearchAttributesRequest>) => {
      const ns = engine.namespace(req.namespace);
      for (const name of req.searchAttributes ?? []) ns.customSearchAttributes.delete(name);
      return {};
    },
    ListSearchAttributes: (req: Plain<temporal.api.operatorservice.v1.IListSearchAttributesRequest>) => ({
      customAttributes: Object.fromEntries(engine.namespace(req.namespace).customSearchAttributes),
      systemAttributes: systemSearchAttributes,
      storageSchema: {},
    }),
  };
}

/** Names the Temporal feature behind an RPC the sandbox does not serve. */
function featureOf(method: string): string {
  if (/Update/.test(method) && /WorkflowExecution/.test(method)) return `Workflow Updates (${method})`;
  if (/Nexus/.test(method)) return `Nexus (${method})`;
  if (/Schedule/.test(method)) return `Schedules (${method})`;
  if (/Batch/.test(method)) return `Batch operations (${method})`;
  return method;
}

const healthHandlers: Handlers = { Check: () => ({ status: 1 /* SERVING */ }) };

function serviceImplementation(
  serviceName: string,
  handlers: Handlers,
  options: SandboxServerOptions,
): { definition: Record<string, unknown>; implementation: UntypedServiceImplementation } {
  const service = root.lookupService(serviceName);
  const definition: Record<string, unknown> = {};
  const implementation: UntypedServiceImplementation = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const request = codecFor(method.resolvedRequestType!.fullName.slice(1));
    const response = codecFor(method.resolvedResponseType!.fullName.slice(1));
    const fullName = `${serviceName}/${method.name}`;
    definition[method.name] = {
      path: `/${fullName}`,
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
      requestSerialize: (obj: object) => Buffer.from(request.encode(obj)),
      requestDeserialize: (buf: Buffer) => request.decode(buf),
      responseSerialize: (buf: Buffer) => buf,
      responseDeserialize: (buf: Buffer) => buf,
    };
    const handle = handlers[method.name];
    if (method.requestStream || method.responseStream) {
      implementation[method.name] = (call: { emit(event: 'error', err: object): void }) =>
        call.emit('error', { code: status.UNIMPLEMENTED, details: `${fullName} is not implemented by the sandbox` });
      continue;
    }
    implementation[method.name] = (call: ServerUnaryCall<object, Buffer>, callback: sendUnaryData<Buffer>) => {
      const controller = new AbortController();
      call.on('cancelled', () => controller.abort());
      if (options.verbose) options.log?.(`call ${fullName}`);
      if (!handle) {
        const err = unimplemented(featureOf(method.name));
        callback({ code: err.code, details: err.message });
        return;
      }
      Promise.resolve()
        .then(() => handle(call.request, controller.signal))
        .then(
          (result) => callback(null, Buffer.from(response.encode(result))),
          (err: unknown) => {
            if (err instanceof ServiceError) {
              if (options.verbose) options.log?.(`${fullName} -> ${status[err.code]}: ${err.message}`);
              callback({ code: err.code, details: err.message });
            } else {
              options.log?.(`${fullName} failed: ${(err as Error)?.stack ?? String(err)}`);
              callback({ code: status.INTERNAL, details: `sandbox error: ${(err as Error)?.message ?? String(err)}` });
            }
          },
        );
    };
  }
  return { definition, implementation };
}

/** Starts a sandbox server and resolves once it listens. */
export async function startSandboxServer(options: SandboxServerOptions): Promise<SandboxServer> {
  const engine = new SandboxEngine({
    timeSkipping: options.timeSkipping ?? false,
    namespaces: options.namespaces ?? [],
  });
  if (options.searchAttributes) engine.namespace('default').registerSearchAttributes(options.searchAttributes);
  for (const name of options.namespaces ?? []) {
    if (options.searchAttributes) engine.namespace(name).registerSearchAttributes(options.searchAttributes);
  }
  const activities = new ActivityTasks(engine);
  const workflowTasks = new WorkflowTasks(engine, activities);
  const server = new Server({ 'grpc.max_receive_message_length': 128 * 1024 * 1024 });
  const services: [string, Handlers][] = [
    ['temporal.api.workflowservice.v1.WorkflowService', workflowServiceHandlers(engine, workflowTasks, activities)],
    ['temporal.api.operatorservice.v1.OperatorService', operatorServiceHandlers(engine)],
    ['temporal.api.testservice.v1.TestService', options.timeSkipping ? testServiceHandlers(engine) : {}],
    ['grpc.health.v1.Health', healthHandlers],
  ];
  for (const [name, handlers] of services) {
    const { definition, implementation } = serviceImplementation(name, handlers, options);
    server.addService(definition as never, implementation);
  }
  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${options.port}`, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    address: `${host}:${port}`,
    port,
    engine,
    close: async () => {
      engine.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 500);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
