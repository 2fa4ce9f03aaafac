/**
 * Temporal's visibility query language (the SQL-like `query` of ListWorkflowExecutions and CountWorkflowExecutions)
 * over the standard fields and registered search attributes: `=`, `!=`, `<`, `<=`, `>`, `>=`, `IN`, `NOT IN`,
 * `STARTS_WITH`, `IS NULL`, `IS NOT NULL`, `BETWEEN … AND …`, `AND`, `OR`, parentheses and `ORDER BY`.
 */
import { invalidArgument } from './errors';
import type { Namespace } from './namespace-store';
import { IndexedValueType } from './namespace-store';
import { payloadJson } from './proto';
import type { WorkflowRun } from './workflow-run';
import { ExecutionStatus } from './workflow-run';

type Scalar = string | number | boolean;
type Token = { kind: 'ident' | 'string' | 'number' | 'op' | 'paren' | 'comma'; text: string };
type Predicate = (run: WorkflowRun) => boolean;

/** Execution status names as visibility queries spell them. */
export const executionStatusNames: Record<number, string> = {
  [ExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING]: 'Running',
  [ExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED]: 'Completed',
  [ExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED]: 'Failed',
  [ExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED]: 'Canceled',
  [ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED]: 'Terminated',
  [ExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW]: 'ContinuedAsNew',
  [ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT]: 'TimedOut',
};

/** A compiled query: which runs match and in what order they are listed. */
export interface VisibilityQuery {
  matches: Predicate;
  compare: (a: WorkflowRun, b: WorkflowRun) => number;
}

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  const re =
    /\s*(?:(`[^`]*`)|('(?:[^'\\]|\\.)*')|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|(!=|<=|>=|=|<|>)|([()])|(,)|([A-Za-z_][A-Za-z0-9_.-]*))/y;
  let pos = 0;
  while (pos < query.length) {
    if (/^\s*$/.test(query.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(query);
    if (!m) throw invalidArgument(`invalid query: unexpected input at "${query.slice(pos).trim()}"`);
    pos = re.lastIndex;
    if (m[1]) tokens.push({ kind: 'ident', text: m[1].slice(1, -1) });
    else if (m[2] ?? m[3]) tokens.push({ kind: 'string', text: (m[2] ?? m[3])!.slice(1, -1).replace(/\\(.)/g, '$1') });
    else if (m[4]) tokens.push({ kind: 'number', text: m[4] });
    else if (m[5]) tokens.push({ kind: 'op', text: m[5] });
    else if (m[6]) tokens.push({ kind: 'paren', text: m[6] });
    else if (m[7]) tokens.push({ kind: 'comma', text: ',' });
    else tokens.push({ kind: 'ident', text: m[8]! });
  }
  return tokens;
}

/** Compiles `query` for namespace `ns`; throws INVALID_ARGUMENT naming the problem. */
export function compileVisibilityQuery(ns: Namespace, query: string | null | undefined): VisibilityQuery {
  const tokens = tokenize(query ?? '');
  let i = 0;
  const peek = () => tokens[i];
  const isKeyword = (word: string, t = peek()) => t?.kind === 'ident' && t.text.toUpperCase() === word;
  const expectKeyword = (word: string) => {
    if (!isKeyword(word)) throw invalidArgument(`invalid query: expected ${word}`);
    i++;
  };

  const field = (): { name: string; type: IndexedValueType } => {
    const t = tokens[i++];
    if (t?.kind !== 'ident') throw invalidArgument('invalid query: expected a search attribute name');
    const type = ns.searchAttributeType(t.text);
    if (type === undefined) throw invalidArgument(`invalid query: unknown search attribute ${t.text}`);
    return { name: t.text, type };
  };

  const literal = (type: IndexedValueType): Scalar => {
    const t = tokens[i++];
    if (!t || (t.kind !== 'string' && t.kind !== 'number' && t.kind !== 'ident'))
      throw invalidArgument('invalid query: expected a value');
    return coerce(t.text, type);
  };

  const comparison = (): Predicate => {
    const { name, type } = field();
    const get = (run: WorkflowRun) => fieldValues(run, name, type);
    const t = peek();
    if (isKeyword('IS')) {
      i++;
      const negate = isKeyword('NOT') ? (i++, true) : false;
      expectKeyword('NULL');
      return (run) => (get(run).length === 0) !== negate;
    }
    if (isKeyword('STARTS_WITH')) {
      i++;
      const prefix = String(literal(type));
      return (run) => get(run).some((v) => String(v).startsWith(prefix));
    }
    if (isKeyword('BETWEEN')) {
      i++;
      const low = literal(type);
      expectKeyword('AND');
      const high = literal(type);
      return (run) => get(run).some((v) => v >= low && v <= high);
    }
    const negateIn = isKeyword('NOT') ? (i++, true) : false;
    if (isKeyword('IN')) {
      i++;
      if (tokens[i++]?.text !== '(') throw invalidArgument('invalid query: expected ( after IN');
      const values: Scalar[] = [literal(type)];
      while (peek()?.kind === 'comma') {
        i++;
        values.push(literal(type));
      }
      if (tokens[i++]?.text !== ')') throw invalidArgument('invalid query: expected ) after the IN list');
      return (run) => get(run).some((v) => values.includes(v)) !== negateIn;
    }
    if (negateIn || t?.kind !== 'op') throw invalidArgument(`invalid query: expected an operator after ${name}`);
    i++;
    const value = literal(type);
    const text = type === IndexedValueType.INDEXED_VALUE_TYPE_TEXT;
    switch (t.text) {
      case '=':
        return (run) => get(run).some((v) => (text ? textMatch(v, value) : v === value));
      case '!=':
        return (run) => !get(run).some((v) => (text ? textMatch(v, value) : v === value));
      case '<':
        return (run) => get(run).some((v) => v < value);
      case '<=':
        return (run) => get(run).some((v) => v <= value);
      case '>':
        return (run) => get(run).some((v) => v > value);
      default:
        return (run) => get(run).some((v) => v >= value);
    }
  };

  const primary = (): Predicate => {
    if (peek()?.text === '(' && peek()?.kind === 'paren') {
      i++;
      const inner = orExpr();
      if (tokens[i++]?.text !== ')') throw invalidArgument('invalid query: missing )');
      return inner;
    }
    if (isKeyword('NOT')) {
      i++;
      const inner = primary();
      return (run) => !inner(run);
    }
    return comparison();
  };

  const andExpr = (): Predicate => {
    const parts = [primary()];
    while (isKeyword('AND')) {
      i++;
      parts.push(primary());
    }
    return parts.length === 1 ? parts[0]! : (run) => parts.every((p) => p(run));
  };

  function orExpr(): Predicate {
    const parts = [andExpr()];
    while (isKeyword('OR')) {
      i++;
      parts.push(andExpr());
    }
    return parts.length === 1 ? parts[0]! : (run) => parts.some((p) => p(run));
  }

  let matches: Predicate = () => true;
  if (peek() && !isKeyword('ORDER')) matches = orExpr();
  const order: { name: string; type: IndexedValueType; desc: boolean }[] = [];
  if (isKeyword('ORDER')) {
    i++;
    expectKeyword('BY');
    do {
      if (peek()?.kind === 'comma') i++;
      const f = field();
      const desc = isKeyword('DESC') ? (i++, true) : isKeyword('ASC') ? (i++, false) : false;
      order.push({ ...f, desc });
    } while (peek()?.kind === 'comma');
  }
  if (i < tokens.length) throw invalidArgument(`invalid query: unexpected "${tokens[i]!.text}"`);
  if (order.length === 0)
    order.push({ name: 'StartTime', type: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME, desc: true });
  return {
    matches,
    compare: (a, b) => {
      for (const { name, type, desc } of order) {
        const va = fieldValues(a, name, type)[0];
        const vb = fieldValues(b, name, type)[0];
        if (va === vb) continue;
        if (va === undefined) return 1;
        if (vb === undefined) return -1;
        return (va < vb ? -1 : 1) * (desc ? -1 : 1);
      }
      return 0;
    },
  };
}

function textMatch(value: Scalar, query: Scalar): boolean {
  return String(value).toLowerCase().includes(String(query).toLowerCase());
}

function coerce(text: string, type: IndexedValueType): Scalar {
  switch (type) {
    case IndexedValueType.INDEXED_VALUE_TYPE_DATETIME: {
      const ms = Date.parse(text);
      if (Number.isNaN(ms)) throw invalidArgument(`invalid query: ${text} is not a date-time`);
      return ms;
    }
    case IndexedValueType.INDEXED_VALUE_TYPE_INT:
    case IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE: {
      const n = Number(text);
      if (Number.isNaN(n)) throw invalidArgument(`invalid query: ${text} is not a number`);
      return n;
    }
    case IndexedValueType.INDEXED_VALUE_TYPE_BOOL:
      return text.toLowerCase() === 'true';
    default:
      return text;
  }
}

/** The values of a field for a run: system fields from the run, custom ones from its search attributes. */
function fieldValues(run: WorkflowRun, name: string, type: IndexedValueType): Scalar[] {
  switch (name) {
    case 'WorkflowId':
      return [run.workflowId];
    case 'RunId':
      return [run.runId];
    case 'WorkflowType':
      return [run.workflowType];
    case 'TaskQueue':
      return [run.taskQueue];
    case 'ExecutionStatus':
      return [executionStatusNames[run.status] ?? ''];
    case 'StartTime':
      return [run.startTimeMs];
    case 'ExecutionTime':
      return [run.executionTimeMs];
    case 'CloseTime':
      return run.closeTimeMs === undefined ? [] : [run.closeTimeMs];
    case 'HistoryLength':
      return [run.events.length];
    default: {
      const value = payloadJson(run.searchAttributes[name]);
      const values = Array.isArray(value) ? (value as unknown[]) : value === undefined || value === null ? [] : [value];
      return values.map((v) =>
        type === IndexedValueType.INDEXED_VALUE_TYPE_DATETIME ? Date.parse(String(v)) : (v as Scalar),
      );
    }
  }
}
