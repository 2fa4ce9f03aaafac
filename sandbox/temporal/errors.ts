import { status } from '@grpc/grpc-js';

/** An error answered to the caller as a gRPC status with a message (what the SDK turns into typed errors). */
export class ServiceError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** NOT_FOUND: the SDK's WorkflowNotFoundError. */
export const notFound = (message: string) => new ServiceError(status.NOT_FOUND, message);
/** INVALID_ARGUMENT: bad input from the caller. */
export const invalidArgument = (message: string) => new ServiceError(status.INVALID_ARGUMENT, message);
/** ALREADY_EXISTS: the SDK's WorkflowExecutionAlreadyStartedError. */
export const alreadyExists = (message: string) => new ServiceError(status.ALREADY_EXISTS, message);
/** UNIMPLEMENTED: a part of Temporal this sandbox does not offer yet. */
export const unimplemented = (what: string) =>
  new ServiceError(
    status.UNIMPLEMENTED,
    `${what}: not implemented by the Joiner Temporal sandbox (an in-memory test server); see sandbox/temporal/README.md`,
  );
