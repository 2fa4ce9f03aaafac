/**
 * `temporal.api.workflowservice.v1.WorkflowService`: the calls the SDK's client and worker make, mapped onto the
 * engine. Calls not listed here answer UNIMPLEMENTED with a message (see server.ts).
 */
import type { ActivityTasks } from './activity-tasks';
import type { SandboxEngine, StartParams } from './engine';
import { alreadyExists, invalidArgument, notFound } from './errors';
import { count, describe, getHistory, list } from './history-and-visibility';
import type { Namespace } from './namespace-store';
import type { Plain } from './proto';
import type { temporal } from './proto';
import { duration, durationMs, enums } from './proto';
import { encodeTaskToken } from './task-token';
import type { WorkflowRun } from './workflow-run';
import { ExecutionStatus } from './workflow-run';
import type { WorkflowTasks } from './workflow-tasks';

type StartRequest = Plain<temporal.api.workflowservice.v1.IStartWorkflowExecutionRequest>;
type SignalWithStartRequest = Plain<temporal.api.workflowservice.v1.ISignalWithStartWorkflowExecutionRequest>;

/** A unary call handler: a decoded request in, a plain response object out (or a thrown ServiceError). */
export type UnaryHandler = (request: object, signal: AbortSignal) => Promise<object> | object;

function handler<Req>(fn: (req: Req, signal: AbortSignal) => Promise<object> | object): UnaryHandler {
  return fn as unknown as UnaryHandler;
}

const Reuse = enums.WorkflowIdReusePolicy;
const Conflict = enums.WorkflowIdConflictPolicy;

function startParams(req: StartRequest | SignalWithStartRequest): StartParams {
  if (!req.workflowId) throw invalidArgument('WorkflowId is not set on request.');
  if (!req.workflowType?.name) throw invalidArgument('WorkflowType is not set on request.');
  if (!req.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
  for (const [name, value] of Object.entries({
    workflowExecutionTimeout: req.workflowExecutionTimeout,
    workflowRunTimeout: req.workflowRunTimeout,
    workflowTaskTimeout: req.workflowTaskTimeout,
  })) {
    if (durationMs(value) < 0) throw invalidArgument(`invalid ${name}`);
  }
  return {
    workflowId: req.workflowId,
    workflowType: req.workflowType.name,
    taskQueue: req.taskQueue.name,
    input: req.input,
    runTimeoutMs: durationMs(req.workflowRunTimeout),
    executionTimeoutMs: durationMs(req.workflowExecutionTimeout),
    taskTimeoutMs: durationMs(req.workflowTaskTimeout),
    identity: req.identity ?? undefined,
    requestId: req.requestId ?? undefined,
    retryPolicy: req.retryPolicy,
    memo: req.memo?.fields ?? {},
    searchAttributes: req.searchAttributes?.indexedFields ?? {},
    header: req.header,
    firstTaskBackoffMs: durationMs(req.workflowStartDelay),
  };
}

/** Applies the reuse policy to a closed previous run; throws ALREADY_EXISTS when it forbids a new one. */
function checkReusePolicy(previous: WorkflowRun, policy: number | null | undefined): void {
  const rejected =
    policy === Reuse.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE ||
    (policy === Reuse.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY &&
      previous.status === ExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
  if (rejected)
    throw alreadyExists(
      `Workflow execution already finished and its WorkflowIdReusePolicy forbids a new run. WorkflowId: ${previous.workflowId}, RunId: ${previous.runId}.`,
    );
}

function alreadyRunning(run: WorkflowRun) {
  return alreadyExists(`Workflow execution is already running. WorkflowId: ${run.workflowId}, RunId: ${run.runId}.`);
}

export function workflowServiceHandlers(
  engine: SandboxEngine,
  workflowTasks: WorkflowTasks,
  activities: ActivityTasks,
): Record<string, UnaryHandler> {
  const runOf = (
    namespace: string | null | undefined,
    execution: { workflowId?: string | null; runId?: string | null } | null | undefined,
  ) => {
    const ns = engine.namespace(namespace);
    return engine.findRun(ns, execution?.workflowId, execution?.runId);
  };

  const start = (ns: Namespace, req: StartRequest): { runId: string; started: boolean } => {
    const params = startParams(req);
    ns.assertSearchAttributesRegistered(params.searchAttributes);
    const existing = ns.current.get(params.workflowId);
    if (existing && params.requestId && existing.requestIds.has(params.requestId))
      return { runId: existing.runId, started: true };
    if (existing?.isOpen) {
      const conflict = req.workflowIdConflictPolicy;
      if (conflict === Conflict.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING) {
        if (params.requestId) existing.requestIds.add(params.requestId);
        return { runId: existing.runId, started: false };
      }
      if (
        conflict === Conflict.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING ||
        req.workflowIdReusePolicy === Reuse.WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING
      )
        engine.terminate(existing, 'terminated by a new start of the same workflow id', undefined, params.identity);
      else throw alreadyRunning(existing);
    } else if (existing) {
      checkReusePolicy(existing, req.workflowIdReusePolicy);
    }
    return { runId: engine.startRun(ns, params).runId, started: true };
  };

  const activityByIdToken = (req: {
    namespace?: string | null;
    workflowId?: string | null;
    runId?: string | null;
    activityId?: string | null;
  }) => {
    const run = runOf(req.namespace, { workflowId: req.workflowId, runId: req.runId });
    const activity = [...run.activities.values()].find((a) => a.activityId === req.activityId);
    if (!activity || activity.state !== 'started') throw notFound(`activity ${req.activityId ?? ''} is not running`);
    return encodeTaskToken({
      kind: 'act',
      namespace: run.namespace,
      runId: run.runId,
      id: activity.scheduledEventId,
      attempt: activity.attempt,
    });
  };

  return {
    GetSystemInfo: handler(() => ({
      serverVersion: '1.27.0',
      capabilities: {
        signalAndQueryHeader: true,
        internalErrorDifferentiation: true,
        activityFailureIncludeHeartbeat: true,
        encodedFailureAttributes: true,
        upsertMemo: true,
        sdkMetadata: true,
        countGroupByExecutionStatus: false,
      },
    })),
    DescribeNamespace: handler((req: Plain<temporal.api.workflowservice.v1.IDescribeNamespaceRequest>) => {
      const ns = engine.namespace(req.namespace);
      return {
        namespaceInfo: {
          name: ns.name,
          id: ns.id,
          state: enums.NamespaceState.NAMESPACE_STATE_REGISTERED,
          description: 'in-memory namespace of the Joiner Temporal sandbox',
          capabilities: {},
        },
        config: { workflowExecutionRetentionTtl: duration(24 * 3600 * 1000) },
        isGlobalNamespace: false,
      };
    }),
    RegisterNamespace: handler((req: Plain<temporal.api.workflowservice.v1.IRegisterNamespaceRequest>) => {
      if (!req.namespace) throw invalidArgument('Namespace is not set on request.');
      engine.addNamespace(req.namespace);
      return {};
    }),
    StartWorkflowExecution: handler((req: StartRequest) => start(engine.namespace(req.namespace), req)),
    SignalWithStartWorkflowExecution: handler((req: SignalWithStartRequest) => {
      const ns = engine.namespace(req.namespace);
      if (!req.signalName) throw invalidArgument('SignalName is not set on request.');
      const existing = ns.current.get(req.workflowId ?? '');
      if (existing?.isOpen) {
        engine.signal(existing, req.signalName, req.signalInput, req.header, req.identity);
        return { runId: existing.runId, started: false };
      }
      const params = startParams(req);
      ns.assertSearchAttributesRegistered(params.searchAttributes);
      if (existing) checkReusePolicy(existing, req.workflowIdReusePolicy);
      const run = engine.startRun(ns, {
        ...params,
        signal: { name: req.signalName, input: req.signalInput, header: req.header },
      });
      return { runId: run.runId, started: true };
    }),
    SignalWorkflowExecution: handler((req: Plain<temporal.api.workflowservice.v1.ISignalWorkflowExecutionRequest>) => {
      if (!req.signalName) throw invalidArgument('SignalName is not set on request.');
      const run = runOf(req.namespace, req.workflowExecution);
      engine.signal(run, req.signalName, req.input, req.header, req.identity, req.requestId);
      return {};
    }),
    RequestCancelWorkflowExecution: handler(
      (req: Plain<temporal.api.workflowservice.v1.IRequestCancelWorkflowExecutionRequest>) => {
        engine.requestCancel(runOf(req.namespace, req.workflowExecution), req.reason, req.identity);
        return {};
      },
    ),
    TerminateWorkflowExecution: handler(
      (req: Plain<temporal.api.workflowservice.v1.ITerminateWorkflowExecutionRequest>) => {
        engine.terminate(runOf(req.namespace, req.workflowExecution), req.reason, req.details, req.identity);
        return {};
      },
    ),
    QueryWorkflow: handler(async (req: Plain<temporal.api.workflowservice.v1.IQueryWorkflowRequest>, signal) => {
      const run = runOf(req.namespace, req.execution);
      const reject = req.queryRejectCondition;
      const Reject = enums.QueryRejectCondition;
      if (
        (reject === Reject.QUERY_REJECT_CONDITION_NOT_OPEN && !run.isOpen) ||
        (reject === Reject.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY &&
          !run.isOpen &&
          run.status !== ExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED)
      )
        return { queryRejected: { status: run.status } };
      if (!req.query?.queryType) throw invalidArgument('QueryType is not set on request.');
      const answer = await engine.query(
        run,
        { queryType: req.query.queryType, queryArgs: req.query.queryArgs, header: req.query.header },
        signal,
      );
      if (answer.error !== undefined) throw invalidArgument(answer.error);
      return { queryResult: answer.result ?? { payloads: [] } };
    }),
    GetWorkflowExecutionHistory: handler(
      (req: Plain<temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryRequest>, signal) =>
        getHistory(engine, req, signal),
    ),
    DescribeWorkflowExecution: handler(
      (req: Plain<temporal.api.workflowservice.v1.IDescribeWorkflowExecutionRequest>) => describe(engine, req),
    ),
    ListWorkflowExecutions: handler((req: Plain<temporal.api.workflowservice.v1.IListWorkflowExecutionsRequest>) =>
      list(engine, req),
    ),
    ScanWorkflowExecutions: handler((req: Plain<temporal.api.workflowservice.v1.IScanWorkflowExecutionsRequest>) =>
      list(engine, req),
    ),
    CountWorkflowExecutions: handler((req: Plain<temporal.api.workflowservice.v1.ICountWorkflowExecutionsRequest>) =>
      count(engine, req),
    ),
    GetSearchAttributes: handler(() => {
      const ns = engine.namespace('default');
      return { keys: Object.fromEntries(ns.customSearchAttributes) };
    }),
    PollWorkflowTaskQueue: handler(
      async (req: Plain<temporal.api.workflowservice.v1.IPollWorkflowTaskQueueRequest>, signal) => {
        const ns = engine.namespace(req.namespace);
        if (req.taskQueue?.kind === enums.TaskQueueKind.TASK_QUEUE_KIND_STICKY) {
          // Sticky queues are not used: every task goes to the normal queue with the full history.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 55_000);
            signal.addEventListener('abort', () => {
              clearTimeout(timer);
              resolve();
            });
          });
          return {};
        }
        if (!req.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
        const grant = await ns.workflowQueue(req.taskQueue.name).poll({ identity: req.identity ?? '' }, signal);
        return grant ? workflowTasks.pollResponse(grant) : {};
      },
    ),
    RespondWorkflowTaskCompleted: handler(
      (req: Plain<temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest>) => {
        workflowTasks.complete(req);
        return {};
      },
    ),
    RespondWorkflowTaskFailed: handler(
      (req: Plain<temporal.api.workflowservice.v1.IRespondWorkflowTaskFailedRequest>) => {
        workflowTasks.fail(req.taskToken, req.cause ?? 0, req.failure, req.identity ?? '');
        return {};
      },
    ),
    RespondQueryTaskCompleted: handler(
      (req: Plain<temporal.api.workflowservice.v1.IRespondQueryTaskCompletedRequest>) => {
        workflowTasks.answerQuery(req);
        return {};
      },
    ),
    PollActivityTaskQueue: handler(
      async (req: Plain<temporal.api.workflowservice.v1.IPollActivityTaskQueueRequest>, signal) => {
        const ns = engine.namespace(req.namespace);
        if (!req.taskQueue?.name) throw invalidArgument('TaskQueue is not set on request.');
        const grant = await ns.activityQueue(req.taskQueue.name).poll({ identity: req.identity ?? '' }, signal);
        return grant ? activities.pollResponse(grant) : {};
      },
    ),
    RecordActivityTaskHeartbeat: handler(
      (req: Plain<temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatRequest>) => ({
        cancelRequested: activities.heartbeat(req.taskToken, req.details),
      }),
    ),
    RecordActivityTaskHeartbeatById: handler(
      (req: Plain<temporal.api.workflowservice.v1.IRecordActivityTaskHeartbeatByIdRequest>) => ({
        cancelRequested: activities.heartbeat(activityByIdToken(req), req.details),
      }),
    ),
    RespondActivityTaskCompleted: handler(
      (req: Plain<temporal.api.workflowservice.v1.IRespondActivityTaskCompletedRequest>) => {
        activities.complete(req.taskToken, req.result, req.identity ?? '');
        return {};
      },
    ),
    RespondActivityTaskCompletedById: handler(
      (req: Plain<temporal.api.workflowservice.v1.IRespondActivityTaskCompletedByIdRequest>) => {
        activities.complete(activityByIdToken(req), req.result, req.identity ?? '');
        return {};
      },
    ),
    RespondActivityTaskFailed: handler(
      (req: Plain<temporal.api.workflowservice.v1.IRespondActivityTaskFailedRequest>) => {
        activities.fail(req.taskToken, req.failure, req.identity ?? '', req.lastHeartbeatDetails);
        return { failures: [] };
      },
    ),
    RespondActivityTaskFailedById: handler(
      (req: Plain<temporal.api.workflowservice.v1.IRespondActivityTaskFailedByIdRequest>) => {
        activities.fail(activityByIdToken(req), req.failure, req.identity ?? '', req.lastHeartbeatDetails);
        return { failures: [] };
      },
    ),
    RespondActivityTaskCanceled: handler(
      (req: Plain<temporal.api.workflowservice.v1.IRespondActivityTaskCanceledRequest>) => {
        activities.canceled(req.taskToken, req.details, req.identity ?? '');
        return {};
      },
    ),
    RespondActivityTaskCanceledById: handler(
      (req: Plain<temporal.api.workflowservice.v1.IRespondActivityTaskCanceledByIdRequest>) => {
        activities.canceled(activityByIdToken(req), req.details, req.identity ?? '');
        return {};
      },
    ),
    ShutdownWorker: handler(() => ({})),
    ResetStickyTaskQueue: handler(() => ({})),
    GetClusterInfo: handler(() => ({
      supportedClients: {},
      serverVersion: '1.27.0',
      clusterId: 'joiner-temporal-sandbox',
      clusterName: 'sandbox',
      historyShardCount: 1,
      persistenceStore: 'memory',
      visibilityStore: 'memory',
    })),
  };
}
