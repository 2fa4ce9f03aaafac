import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Logger } from 'pino';
import { joinerSearchAttributes } from '../workflows/definitions';

/**
 * Registers Joiner's keyword search attributes in the namespace when they are missing (idempotent). A server that
 * refuses (no operator permission, a cloud namespace managed elsewhere) is only warned about: the attributes may
 * have been created by an operator already, and the workflows fail visibly if they were not.
 */
export async function ensureSearchAttributes(
  client: Client,
  namespace: string,
  logger: Pick<Logger, 'info' | 'warn'>,
): Promise<void> {
  try {
    const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
    const known = new Set(Object.keys(existing.customAttributes ?? {}));
    const missing = joinerSearchAttributes.filter((key) => !known.has(key.name));
    if (missing.length === 0) return;
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
    logger.info({ added: missing.map((k) => k.name) }, 'registered search attributes');
  } catch (err) {
    logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'could not check or register the search attributes CompanyId, EmployeeId, WorkEmail, LifecyclePhase',
    );
  }
}
