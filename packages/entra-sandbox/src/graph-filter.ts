import { odataBadRequest, unsupportedQuery } from './graph-http';
import { parseDateTimeOffset } from './user-validation';
import { canonicalProperty, userProperties } from './user-schema';

/** A literal of an OData `$filter`. Dates are kept as strings in Graph's output form. */
export type Literal = string | number | boolean | null;

/** `$filter` syntax tree. */
export type FilterNode =
  | { kind: 'compare'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; prop: string; value: Literal }
  | { kind: 'in'; prop: string; values: Literal[] }
  | { kind: 'function'; name: 'startsWith' | 'endsWith'; prop: string; value: string }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'any'; prop: string; body: FilterNode };

type Token = { type: 'word' | 'string' | 'punct'; text: string; pos: number };

const lambdaVariable = '$it';

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === "'") {
      let text = '';
      const start = i;
      i += 1;
      for (;;) {
        if (i >= input.length) throw invalidClause(input, start, 'unterminated string literal');
        if (input[i] === "'") {
          if (input[i + 1] === "'") {
            text += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        text += input[i];
        i += 1;
      }
      tokens.push({ type: 'string', text, pos: start });
    } else if ('(),:'.includes(ch)) {
      tokens.push({ type: 'punct', text: ch, pos: i });
      i += 1;
    } else {
      const start = i;
      while (i < input.length && !/[\s(),':]/.test(input[i]!)) i += 1;
      // Date-time literals contain ':' (2024-01-01T10:00:00Z): keep them whole.
      while (
        /^\d{4}-\d{2}-\d{2}T\d{2}$|^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(input.slice(start, i)) &&
        input[i] === ':'
      ) {
        i += 1;
        while (i < input.length && !/[\s(),':]/.test(input[i]!)) i += 1;
      }
      tokens.push({ type: 'word', text: input.slice(start, i), pos: start });
    }
  }
  return tokens;
}

function invalidClause(input: string, pos: number, why: string) {
  return odataBadRequest(`Invalid filter clause: Syntax error at position ${pos} in '${input}': ${why}.`);
}

class Parser {
  private index = 0;
  private lambdaVar: string | undefined;

  constructor(
    private readonly input: string,
    private readonly tokens: Token[],
  ) {}

  parse(): FilterNode {
    const node = this.or();
    const extra = this.tokens[this.index];
    if (extra) throw invalidClause(this.input, extra.pos, `unexpected '${extra.text}'`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(what: string): Token {
    const token = this.tokens[this.index];
    if (!token) throw invalidClause(this.input, this.input.length, `expected ${what}`);
    this.index += 1;
    return token;
  }

  private expect(text: string): void {
    const token = this.next(`'${text}'`);
    if (token.text !== text) throw invalidClause(this.input, token.pos, `expected '${text}'`);
  }

  private isWord(text: string): boolean {
    const token = this.peek();
    return token?.type === 'word' && token.text.toLowerCase() === text;
  }

  private or(): FilterNode {
    return this.leftAssociative('or', () => this.and());
  }

  private and(): FilterNode {
    return this.leftAssociative('and', () => this.unary());
  }

  /** `a op b op c` as `(a op b) op c`, each operand parsed by `operand` (which binds tighter than `op`). */
  private leftAssociative(op: 'and' | 'or', operand: () => FilterNode): FilterNode {
    let left = operand();
    while (this.isWord(op)) {
      this.index += 1;
      left = { kind: op, left, right: operand() };
    }
    return left;
  }

  private unary(): FilterNode {
    if (this.isWord('not')) {
      this.index += 1;
      return { kind: 'not', operand: this.unary() };
    }
    return this.primary();
  }

  private primary(): FilterNode {
    const token = this.next('an expression');
    if (token.text === '(') {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (token.type !== 'word') throw invalidClause(this.input, token.pos, `unexpected '${token.text}'`);
    const lower = token.text.toLowerCase();
    if ((lower === 'startswith' || lower === 'endswith') && this.peek()?.text === '(') {
      this.expect('(');
      const prop = this.property(this.next('a property'));
      this.expect(',');
      const value = this.literal(this.next('a value'));
      this.expect(')');
      if (typeof value !== 'string') throw invalidClause(this.input, token.pos, `${token.text} needs a string`);
      return { kind: 'function', name: lower === 'startswith' ? 'startsWith' : 'endsWith', prop, value };
    }
    const anyMatch = /^(\w+)\/any$/i.exec(token.text);
    if (anyMatch) {
      const prop = this.property({ ...token, text: anyMatch[1]! });
      this.expect('(');
      const variable = this.next('a lambda variable').text;
      this.expect(':');
      const outer = this.lambdaVar;
      this.lambdaVar = variable;
      const body = this.or();
      this.lambdaVar = outer;
      this.expect(')');
      return { kind: 'any', prop, body };
    }
    const prop = this.property(token);
    const op = this.next('an operator');
    const opName = op.text.toLowerCase();
    if (opName === 'in') {
      this.expect('(');
      const values: Literal[] = [this.literal(this.next('a value'))];
      while (this.peek()?.text === ',') {
        this.index += 1;
        values.push(this.literal(this.next('a value')));
      }
      this.expect(')');
      return { kind: 'in', prop, values };
    }
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(opName)) {
      throw invalidClause(this.input, op.pos, `unknown operator '${op.text}'`);
    }
    return {
      kind: 'compare',
      op: opName as 'eq',
      prop,
      value: this.literal(this.next('a value')),
    };
  }

  private property(token: Token): string {
    if (this.lambdaVar !== undefined && token.text === this.lambdaVar) return lambdaVariable;
    const name = canonicalProperty(token.text);
    if (!name || token.type !== 'word') {
      throw odataBadRequest(`Could not find a property named '${token.text}' on type 'microsoft.graph.user'.`);
    }
    return name;
  }

  private literal(token: Token): Literal {
    if (token.type === 'string') return token.text;
    if (token.type !== 'word') throw invalidClause(this.input, token.pos, `unexpected '${token.text}'`);
    const lower = token.text.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(token.text)) return Number(token.text);
    const date = parseDateTimeOffset(token.text);
    if (date) return date;
    throw invalidClause(this.input, token.pos, `'${token.text}' is not a literal`);
  }
}

/** Parses a `$filter` expression on users. Throws Graph's 400 for syntax errors and unknown properties. */
export function parseFilter(input: string): FilterNode {
  return new Parser(input, tokenize(input)).parse();
}

function advancedOperator(operator: string): never {
  throw unsupportedQuery(
    `Operator '${operator}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information`,
  );
}

function unsupportedProperty(prop: string): never {
  throw unsupportedQuery(
    `Unsupported or invalid query filter clause specified for property '${prop}' of resource 'User'.`,
  );
}

/**
 * Enforces Graph's split between basic and advanced queries: `ne`, `not`, `endsWith`, `eq null` and the properties
 * Graph only filters in advanced mode need `ConsistencyLevel: eventual` plus `$count=true`.
 */
export function checkFilterSupport(node: FilterNode, advanced: boolean): void {
  const needAdvanced = (operator: string) => {
    if (!advanced) advancedOperator(operator);
  };
  const checkProp = (prop: string, op: string) => {
    if (prop === lambdaVariable) return;
    const support = userProperties[prop]!.filter;
    if (!support || support === 'lambda') unsupportedProperty(prop);
    if (support === 'advanced') needAdvanced(op);
  };
  switch (node.kind) {
    case 'and':
    case 'or':
      checkFilterSupport(node.left, advanced);
      checkFilterSupport(node.right, advanced);
      return;
    case 'not':
      needAdvanced('not');
      checkFilterSupport(node.operand, advanced);
      return;
    case 'any':
      if (userProperties[node.prop]!.filter !== 'lambda') unsupportedProperty(node.prop);
      checkFilterSupport(node.body, advanced);
      return;
    case 'function':
      if (node.name === 'endsWith') needAdvanced('endsWith');
      checkProp(node.prop, node.name);
      return;
    case 'in':
      checkProp(node.prop, 'in');
      return;
    case 'compare':
      checkProp(node.prop, node.op);
      if (node.op === 'ne') needAdvanced('ne');
      if (node.value === null) needAdvanced(node.op);
      if (['gt', 'ge', 'lt', 'le'].includes(node.op) && node.prop !== lambdaVariable) {
        if (!userProperties[node.prop]!.rangeBasic && userProperties[node.prop]!.type === 'Edm.String')
          needAdvanced(node.op);
      }
      return;
  }
}

function comparable(value: unknown): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value.toLowerCase();
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

function compare(op: string, actual: unknown, expected: Literal): boolean {
  const a = comparable(actual);
  const b = comparable(expected);
  if (op === 'eq') return a === b;
  if (op === 'ne') return a !== b;
  if (a === null || b === null) return false;
  if (op === 'gt') return a > b;
  if (op === 'ge') return a >= b;
  if (op === 'lt') return a < b;
  return a <= b;
}

/** Evaluates a filter against a user's stored properties. Strings compare case-insensitively, as in Entra. */
export function matchesFilter(node: FilterNode, props: Record<string, unknown>, item?: unknown): boolean {
  const valueOf = (prop: string) => (prop === lambdaVariable ? item : props[prop]);
  switch (node.kind) {
    case 'and':
      return matchesFilter(node.left, props, item) && matchesFilter(node.right, props, item);
    case 'or':
      return matchesFilter(node.left, props, item) || matchesFilter(node.right, props, item);
    case 'not':
      return !matchesFilter(node.operand, props, item);
    case 'any': {
      const values = props[node.prop];
      return Array.isArray(values) && values.some((v) => matchesFilter(node.body, props, v));
    }
    case 'in':
      return node.values.some((v) => compare('eq', valueOf(node.prop), v));
    case 'function': {
      const actual = valueOf(node.prop);
      if (typeof actual !== 'string') return false;
      const a = actual.toLowerCase();
      const b = node.value.toLowerCase();
      return node.name === 'startsWith' ? a.startsWith(b) : a.endsWith(b);
    }
    case 'compare':
      return compare(node.op, valueOf(node.prop), node.value);
  }
}
