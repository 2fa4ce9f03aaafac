import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { HttpError } from '../errors';

/** Limits on a JSON request body, applied before any route sees it. */
export interface JsonBodyOptions {
  /** Largest accepted body, e.g. `'1mb'` or a byte count; larger ones are answered 413. */
  limit: string | number;
  /** Deepest nesting of arrays and objects accepted; deeper bodies are answered 400. */
  maxDepth: number;
  /** Most values (objects, arrays and scalars) in one body; more are answered 400. */
  maxNodes: number;
}

/**
 * Measures a parsed JSON value without recursion, so a hostile body cannot overflow the stack here or in code
 * that walks it later. Stops as soon as a limit is passed.
 * @returns the problem as a sentence, or undefined when the value is within both limits
 */
export function checkJsonShape(value: unknown, maxDepth: number, maxNodes: number): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    nodes += 1;
    if (nodes > maxNodes) return `body has more than ${maxNodes} values`;
    if (current === null || typeof current !== 'object') continue;
    if (depth > maxDepth) return `body is nested deeper than ${maxDepth} levels`;
    const children = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}

/**
 * Parses JSON bodies (`application/json` and `application/scim+json`, strict: objects and arrays only) on POST,
 * PUT and PATCH, enforcing size, depth and node-count limits. A body with another content type is answered 415;
 * malformed JSON 400; too large 413. The raw text stays on `ctx.request.rawBody` (webhook signatures need it).
 */
export function jsonBody(options: JsonBodyOptions) {
  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: options.limit, jsonStrict: true });
  return async function jsonBody(ctx: Context, next: Next): Promise<void> {
    if (!['POST', 'PUT', 'PATCH'].includes(ctx.method)) {
      await next();
      return;
    }
    if (ctx.request.length !== 0 && !ctx.is('application/json', 'application/scim+json')) {
      throw new HttpError(
        415,
        'request body must be application/scim+json or application/json',
        'unsupportedMediaType',
      );
    }
    await parse(ctx, async () => {});
    const problem = checkJsonShape(ctx.request.body, options.maxDepth, options.maxNodes);
    if (problem !== undefined) throw new HttpError(400, problem, 'invalidBody');
    await next();
  };
}
