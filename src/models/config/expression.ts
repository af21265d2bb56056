/**
 * Expressions of event columns, for weights (`"w * sf_btag"`) and selections
 * (`"njets >= 2 && met > 30"`), evaluated per event in float64.
 *
 * Grammar (precedence from low to high): `||`, `&&`, comparisons `== != < <= > >=`, `+ -`,
 * `* /`, unary `- !`, `^` (power, right-associative), then numbers, column names
 * (`[A-Za-z_][A-Za-z0-9_.]*`), parentheses and the functions `abs exp log sqrt min max`.
 * Comparisons and logic give 1 (true) or 0 (false); a selection keeps the events where the
 * expression is non-zero.
 */
import { InputError } from '../../stats/errors.js';

type Node =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'column'; readonly name: string }
  | { readonly kind: 'unary'; readonly op: '-' | '!'; readonly arg: Node }
  | { readonly kind: 'binary'; readonly op: string; readonly left: Node; readonly right: Node }
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly Node[] };

const FUNCTIONS: Readonly<Record<string, { arity: number; f: (...x: number[]) => number }>> = {
  abs: { arity: 1, f: Math.abs },
  exp: { arity: 1, f: Math.exp },
  log: { arity: 1, f: Math.log },
  sqrt: { arity: 1, f: Math.sqrt },
  min: { arity: 2, f: Math.min },
  max: { arity: 2, f: Math.max },
};

/** A parsed expression: the columns it reads and its evaluation per event. */
export interface Expression {
  readonly source: string;
  /** Column names it reads, in order of first appearance. */
  readonly columns: readonly string[];
  /** The value at event i, given the columns (each indexable by event). */
  compile(columns: Readonly<Record<string, ArrayLike<number>>>): (i: number) => number;
}

/**
 * Parses an expression (see the module comment).
 *
 * @throws InputError naming `where` and the position for a syntax error.
 * @example
 * ```ts
 * const e = parseExpression('w * (1 + 0.1 * x)', 'weight');
 * e.columns;                                      // ['w', 'x']
 * e.compile({ w: [2], x: [1] })(0);               // 2.2
 * parseExpression('n >= 2 && met > 30', 'selection').compile({ n: [3], met: [40] })(0); // 1
 * ```
 */
export function parseExpression(source: string, where: string): Expression {
  const tokens = tokenize(source, where);
  let pos = 0;
  const fail = (problem: string): never => {
    const at = pos < tokens.length ? `at "${tokens[pos].text}" (character ${tokens[pos].at + 1})` : 'at the end';
    throw new InputError('argument', where, `${problem} ${at} in ${JSON.stringify(source)}`);
  };
  const peek = () => tokens[pos]?.text;
  const eat = (text: string) => (peek() === text ? (pos++, true) : false);
  const binaryLevel = (ops: readonly string[], next: () => Node) => (): Node => {
    let left = next();
    for (;;) {
      const op = peek();
      if (op === undefined || !ops.includes(op)) return left;
      pos++;
      left = { kind: 'binary', op, left, right: next() };
    }
  };
  const primary = (): Node => {
    const t = tokens[pos];
    if (!t) return fail('expected a value');
    if (t.kind === 'number') {
      pos++;
      return { kind: 'number', value: Number(t.text) };
    }
    if (t.kind === 'name') {
      pos++;
      if (eat('(')) {
        const fn = FUNCTIONS[t.text];
        if (!fn) {
          pos -= 2;
          return fail(`unknown function "${t.text}" (known: ${Object.keys(FUNCTIONS).join(', ')})`);
        }
        const args: Node[] = [or()];
        while (eat(',')) args.push(or());
        if (!eat(')')) return fail('expected ")"');
        if (args.length !== fn.arity) return fail(`${t.text} takes ${fn.arity} argument${fn.arity > 1 ? 's' : ''}, got ${args.length}`);
        return { kind: 'call', fn: t.text, args };
      }
      return { kind: 'column', name: t.text };
    }
    if (eat('(')) {
      const inner = or();
      if (!eat(')')) return fail('expected ")"');
      return inner;
    }
    return fail('expected a value');
  };
  const power = (): Node => {
    const base = primary();
    if (eat('^')) return { kind: 'binary', op: '^', left: base, right: unary() };
    return base;
  };
  const unary = (): Node => {
    if (eat('-')) return { kind: 'unary', op: '-', arg: unary() };
    if (eat('!')) return { kind: 'unary', op: '!', arg: unary() };
    if (eat('+')) return unary();
    return power();
  };
  const product = binaryLevel(['*', '/'], unary);
  const sum = binaryLevel(['+', '-'], product);
  const comparison = binaryLevel(['==', '!=', '<', '<=', '>', '>='], sum);
  const and = binaryLevel(['&&'], comparison);
  const or: () => Node = binaryLevel(['||'], and);
  if (tokens.length === 0) throw new InputError('argument', where, 'is empty');
  const tree = or();
  if (pos < tokens.length) fail('unexpected');
  const columns: string[] = [];
  const visit = (n: Node) => {
    if (n.kind === 'column' && !columns.includes(n.name)) columns.push(n.name);
    if (n.kind === 'unary') visit(n.arg);
    if (n.kind === 'binary') (visit(n.left), visit(n.right));
    if (n.kind === 'call') n.args.forEach(visit);
  };
  visit(tree);
  return { source, columns, compile: (cols) => build(tree, cols) };
}

function build(n: Node, cols: Readonly<Record<string, ArrayLike<number>>>): (i: number) => number {
  switch (n.kind) {
    case 'number': {
      const v = n.value;
      return () => v;
    }
    case 'column': {
      const c = cols[n.name];
      if (!c) throw new RangeError(`expression: column "${n.name}" was not given`);
      return (i) => c[i];
    }
    case 'unary': {
      const a = build(n.arg, cols);
      return n.op === '-' ? (i) => -a(i) : (i) => (a(i) === 0 ? 1 : 0);
    }
    case 'call': {
      const f = FUNCTIONS[n.fn].f;
      const args = n.args.map((x) => build(x, cols));
      return args.length === 1 ? (i) => f(args[0](i)) : (i) => f(args[0](i), args[1](i));
    }
    case 'binary': {
      const l = build(n.left, cols);
      const r = build(n.right, cols);
      switch (n.op) {
        case '+': return (i) => l(i) + r(i);
        case '-': return (i) => l(i) - r(i);
        case '*': return (i) => l(i) * r(i);
        case '/': return (i) => l(i) / r(i);
        case '^': return (i) => l(i) ** r(i);
        case '==': return (i) => (l(i) === r(i) ? 1 : 0);
        case '!=': return (i) => (l(i) !== r(i) ? 1 : 0);
        case '<': return (i) => (l(i) < r(i) ? 1 : 0);
        case '<=': return (i) => (l(i) <= r(i) ? 1 : 0);
        case '>': return (i) => (l(i) > r(i) ? 1 : 0);
        case '>=': return (i) => (l(i) >= r(i) ? 1 : 0);
        case '&&': return (i) => (l(i) !== 0 && r(i) !== 0 ? 1 : 0);
        case '||': return (i) => (l(i) !== 0 || r(i) !== 0 ? 1 : 0);
        default: throw new RangeError(`expression: operator ${n.op}`);
      }
    }
  }
}

interface Token {
  readonly kind: 'number' | 'name' | 'op';
  readonly text: string;
  readonly at: number;
}

function tokenize(s: string, where: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const ops = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '^', '!', '(', ')', ','];
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(s.slice(i));
    if (num) {
      out.push({ kind: 'number', text: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(s.slice(i));
    if (name) {
      out.push({ kind: 'name', text: name[0], at: i });
      i += name[0].length;
      continue;
    }
    const op = ops.find((o) => s.startsWith(o, i));
    if (!op) throw new InputError('argument', where, `unexpected character ${JSON.stringify(c)} (character ${i + 1}) in ${JSON.stringify(s)}`);
    out.push({ kind: 'op', text: op, at: i });
    i += op.length;
  }
  return out;
}
