import type { ConnectionLike } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import {
  CompanyIdSearchAttribute,
  EmployeeIdSearchAttribute,
  LifecyclePhaseSearchAttribute,
  WorkEmailSearchAttribute,
} from '../workflows/definitions';

/** The custom search attributes a namespace must know before Joiner's workflows start: the one list of them. */
export const joinerSearchAttributes = [
  CompanyIdSearchAttribute,
  EmployeeIdSearchAttribute,
  WorkEmailSearchAttribute,
  LifecyclePhaseSearchAttribute,
] as const;

/** {@link joinerSearchAttributes} by name and kind, as a Temporal server (or test server) is told them at start. */
export const joinerSearchAttributeKinds: Readonly<Record<string, 'Keyword'>> = Object.fromEntries(
  joinerSearchAttributes.map((key) => [key.name, 'Keyword' as const]),
);

/** What registering search attributes needs: a connection's operator service and the namespace. */
export interface SearchAttributeTarget {
  connection: Pick<ConnectionLike, 'operatorService'>;
  namespace: string;
}

/**
 * Registers Joiner's keyword search attributes in the namespace when they are missing (idempotent). Resolves to the
 * names it added (empty when all were there).
 * @throws the server's error when it cannot list or add them (no operator permission, unreachable)
 */
export async function registerMissingSearchAttributes(target: SearchAttributeTarget): Promise<string[]> {
  const { operatorService } = target.connection;
  const existing = await operatorService.listSearchAttributes({ namespace: target.namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = joinerSearchAttributes.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  try {
    await operatorService.addSearchAttributes({
      namespace: target.namespace,
      searchAttributes: Object.fromEntries(
        missing.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
  } catch (err) {
    // Another process registered them in the meantime: that is what was wanted.
    if ((err as { code?: unknown }).code !== 6 /* ALREADY_EXISTS */) throw err;
  }
  return missing.map((key) => key.name);
}

/**
 * {@link registerMissingSearchAttributes}, logged. A server that refuses (no operator permission, a cloud namespace
 * managed elsewhere) is only warned about: the attributes may have been created by an operator already, and a
 * delivery that fails for want of them tries again (see {@link isMissingSearchAttributeError}).
 */
export async function ensureSearchAttributes(
  target: SearchAttributeTarget,
  logger: Pick<Logger, 'info' | 'warn'>,
): Promise<void> {
  try {
    const added = await registerMissingSearchAttributes(target);
    if (added.length > 0) logger.info({ added, namespace: target.namespace }, 'registered search attributes');
  } catch (err) {
    logger.warn(
      { err, namespace: target.namespace },
      `could not check or register the search attributes ${joinerSearchAttributes.map((k) => k.name).join(', ')}`,
    );
  }
}

/**
 * True when Temporal refused a call because the namespace does not know a search attribute it names (a server
 * restarted empty, or set up without them): `INVALID_ARGUMENT` "… no mapping defined for search attribute …".
 */
export function isMissingSearchAttributeError(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const fields = current as { code?: unknown; details?: unknown; message?: unknown; cause?: unknown };
    const text = `${typeof fields.details === 'string' ? fields.details : ''} ${typeof fields.message === 'string' ? fields.message : ''}`;
    if (fields.code === 3 && /search attribute/i.test(text)) return true;
    current = fields.cause;
  }
  return false;
}
