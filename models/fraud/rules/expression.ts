/**
 * A tiny, safe rule language (no eval): `review if score > 0.6 and amount > 500000`.
 *
 *   rule       := action 'if' expr
 *   expr       := and ('or' and)*
 *   and        := unary ('and' unary)*
 *   unary      := 'not' unary | '(' expr ')' | comparison
 *   comparison := operand (('>' | '>=' | '<' | '<=' | '==' | '=' | '!=') operand | 'in' '(' literal (',' literal)* ')')
 *   operand    := identifier | number | 'string' | true | false | null
 *
 * Identifiers are the attempt's fields and the feature values. A comparison with a missing value (no score in a
 * rules-only decision, a null device) is false, so a rule never fires on data it cannot see.
 */

export type Action = 'allow' | 'review' | 'block';
export type Value = number | string | boolean | null;

export type Expr =
  | { readonly op: 'and' | 'or'; readonly left: Expr; readonly right: Expr }
  | { readonly op: 'not'; readonly expr: Expr }
  | { readonly op: 'cmp'; readonly cmp: Cmp; readonly left: Operand; readonly right: Operand }
  | { readonly op: 'in'; readonly left: Operand; readonly values: readonly Value[] };

export type Cmp = '>' | '>=' | '<' | '<=' | '==' | '!=';
export type Operand =
  | { readonly kind: 'ident'; readonly name: string }
  | { readonly kind: 'lit'; readonly value: Value };

export interface ParsedRule {
  readonly action: Action;
  readonly condition: Expr;
  readonly identifiers: readonly string[];
}

/** A syntax error at a character position (0-based) of the rule text. */
export class RuleSyntaxError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`at position ${position}: ${message}`);
    this.name = 'RuleSyntaxError';
    this.position = position;
  }
}

type Token =
  | { readonly t: 'word'; readonly v: string; readonly at: number }
  | { readonly t: 'num'; readonly v: number; readonly at: number }
  | { readonly t: 'str'; readonly v: string; readonly at: number }
  | { readonly t: 'sym'; readonly v: string; readonly at: number }
  | { readonly t: 'end'; readonly at: number };

const SYMBOLS = ['>=', '<=', '==', '!=', '>', '<', '=', '(', ')', ','];

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_.]/.test(text[j] ?? '')) j++;
      out.push({ t: 'word', v: text.slice(i, j), at });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9.]/.test(text[i + 1] ?? ''))) {
      const m = /^-?(?:\d[\d_]*)?(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
      const raw = m?.[0] ?? '';
      const n = Number(raw.replace(/_/g, ''));
      if (raw === '' || raw === '-' || !Number.isFinite(n)) throw new RuleSyntaxError(`bad number "${raw}"`, at);
      out.push({ t: 'num', v: n, at });
      i += raw.length;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new RuleSyntaxError('unterminated string', at);
      out.push({ t: 'str', v: text.slice(i + 1, end), at });
      i = end + 1;
      continue;
    }
    const sym = SYMBOLS.find((s) => text.startsWith(s, i));
    if (sym === undefined) throw new RuleSyntaxError(`unexpected character "${c}"`, at);
    out.push({ t: 'sym', v: sym, at });
    i += sym.length;
  }
  out.push({ t: 'end', at: text.length });
  return out;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'if', 'true', 'false', 'null']);
const ACTIONS = new Set<string>(['allow', 'review', 'block']);

/**
 * Parses `action if condition`; `known` says which identifiers exist (an unknown one is an error at its
 * position, so a typo cannot silently make a rule never fire).
 */
export function parseRule(text: string, known: (name: string) => boolean): ParsedRule {
  const tokens = tokenize(text);
  let k = 0;
  const identifiers = new Set<string>();
  const peek = (): Token => tokens[k] ?? { t: 'end', at: text.length };
  const next = (): Token => tokens[k++] ?? { t: 'end', at: text.length };
  const describe = (t: Token): string => (t.t === 'end' ? 'end of rule' : `"${String(t.v)}"`);
  const isWord = (t: Token, v: string): boolean => t.t === 'word' && t.v.toLowerCase() === v;
  const isSym = (t: Token, v: string): boolean => t.t === 'sym' && t.v === v;

  const literal = (): Value => {
    const t = next();
    if (t.t === 'num' || t.t === 'str') return t.v;
    if (isWord(t, 'true')) return true;
    if (isWord(t, 'false')) return false;
    if (isWord(t, 'null')) return null;
    throw new RuleSyntaxError(`expected a value, found ${describe(t)}`, t.at);
  };
  const operand = (): Operand => {
    const t = peek();
    if (t.t === 'word' && !KEYWORDS.has(t.v.toLowerCase())) {
      k++;
      if (!known(t.v)) throw new RuleSyntaxError(`unknown name "${t.v}"`, t.at);
      identifiers.add(t.v);
      return { kind: 'ident', name: t.v };
    }
    return { kind: 'lit', value: literal() };
  };
  const comparison = (): Expr => {
    const left = operand();
    const t = next();
    if (isWord(t, 'in')) {
      const open = next();
      if (!isSym(open, '(')) throw new RuleSyntaxError(`expected "(" after in, found ${describe(open)}`, open.at);
      const values: Value[] = [literal()];
      while (isSym(peek(), ',')) {
        k++;
        values.push(literal());
      }
      const close = next();
      if (!isSym(close, ')')) throw new RuleSyntaxError(`expected ")" or ",", found ${describe(close)}`, close.at);
      return { op: 'in', left, values };
    }
    if (t.t !== 'sym' || ['(', ')', ','].includes(t.v)) {
      throw new RuleSyntaxError(`expected a comparison (> >= < <= == != in), found ${describe(t)}`, t.at);
    }
    const cmp = (t.v === '=' ? '==' : t.v) as Cmp;
    return { op: 'cmp', cmp, left, right: operand() };
  };
  const unary = (): Expr => {
    const t = peek();
    if (isWord(t, 'not')) {
      k++;
      return { op: 'not', expr: unary() };
    }
    if (isSym(t, '(')) {
      k++;
      const inner = expr();
      const close = next();
      if (!isSym(close, ')')) throw new RuleSyntaxError(`expected ")", found ${describe(close)}`, close.at);
      return inner;
    }
    return comparison();
  };
  const and = (): Expr => {
    let left = unary();
    while (isWord(peek(), 'and')) {
      k++;
      left = { op: 'and', left, right: unary() };
    }
    return left;
  };
  const expr = (): Expr => {
    let left = and();
    while (isWord(peek(), 'or')) {
      k++;
      left = { op: 'or', left, right: and() };
    }
    return left;
  };

  const head = next();
  if (head.t !== 'word' || !ACTIONS.has(head.v.toLowerCase())) {
    throw new RuleSyntaxError(`a rule starts with allow, review or block, found ${describe(head)}`, head.at);
  }
  const iff = next();
  if (!isWord(iff, 'if')) throw new RuleSyntaxError(`expected "if", found ${describe(iff)}`, iff.at);
  const condition = expr();
  const end = next();
  if (end.t !== 'end') throw new RuleSyntaxError(`unexpected ${describe(end)}`, end.at);
  return { action: head.v.toLowerCase() as Action, condition, identifiers: [...identifiers] };
}

/** The values a condition reads; missing names read as null. */
export type Scope = (name: string) => Value | undefined;

function operandValue(o: Operand, scope: Scope): Value {
  return o.kind === 'lit' ? o.value : (scope(o.name) ?? null);
}

function compare(cmp: Cmp, a: Value, b: Value): boolean {
  if (cmp === '==') return a === b;
  if (cmp === '!=') return a !== b;
  if (a === null || b === null) return false;
  if (typeof a !== typeof b) return false;
  switch (cmp) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
  }
}

/** Evaluates a parsed condition; never throws. */
export function evaluate(e: Expr, scope: Scope): boolean {
  switch (e.op) {
    case 'and':
      return evaluate(e.left, scope) && evaluate(e.right, scope);
    case 'or':
      return evaluate(e.left, scope) || evaluate(e.right, scope);
    case 'not':
      return !evaluate(e.expr, scope);
    case 'in': {
      const v = operandValue(e.left, scope);
      return e.values.includes(v);
    }
    case 'cmp':
      return compare(e.cmp, operandValue(e.left, scope), operandValue(e.right, scope));
  }
}
