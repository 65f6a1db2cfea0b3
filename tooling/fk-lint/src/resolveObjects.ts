import ts from 'typescript';

/** One key written by an object literal, after spreads have been expanded where possible. */
export interface WrittenProperty {
  readonly name: string;
  /** where the key is spelled in source: the place a developer has to change */
  readonly node: ts.Node;
}

/**
 * Follows expressions back to the object literals they evaluate to, using the type checker
 * only for name resolution (which `const` an identifier refers to). Anything it cannot prove,
 * such as parameters, imports, function results or mutable variables, resolves to nothing:
 * the check prefers a missed finding to a false alarm.
 */
export class ObjectResolver {
  constructor(private readonly checker: ts.TypeChecker) {}

  /** Object literals `expr` may evaluate to (both branches of `a ? {..} : {..}`). */
  objectLiterals(expr: ts.Expression, seen: Set<ts.Node> = new Set()): ts.ObjectLiteralExpression[] {
    const node = unwrap(expr);
    if (ts.isObjectLiteralExpression(node)) return [node];
    if (ts.isConditionalExpression(node)) {
      return [...this.objectLiterals(node.whenTrue, seen), ...this.objectLiterals(node.whenFalse, seen)];
    }
    if (ts.isIdentifier(node)) {
      const init = this.constInitializer(this.checker.getSymbolAtLocation(node), node, seen);
      return init ? this.objectLiterals(init, seen) : [];
    }
    return [];
  }

  /**
   * Rows of a `createMany`-style `data`: an array literal (with spreads of resolvable
   * arrays), `xs.map((x) => ({ ... }))`, a `const` holding either, or a single object.
   */
  rowObjects(expr: ts.Expression, seen: Set<ts.Node> = new Set()): ts.ObjectLiteralExpression[] {
    const node = unwrap(expr);
    if (ts.isArrayLiteralExpression(node)) {
      return node.elements.flatMap((element) =>
        ts.isSpreadElement(element) ? this.rowObjects(element.expression, seen) : this.objectLiterals(element, seen),
      );
    }
    if (ts.isConditionalExpression(node)) {
      return [...this.rowObjects(node.whenTrue, seen), ...this.rowObjects(node.whenFalse, seen)];
    }
    if (ts.isIdentifier(node)) {
      const init = this.constInitializer(this.checker.getSymbolAtLocation(node), node, seen);
      return init ? this.rowObjects(init, seen) : [];
    }
    const mapper = mapCallback(node);
    if (mapper) return returnedExpressions(mapper).flatMap((e) => this.objectLiterals(e, seen));
    return this.objectLiterals(node, seen);
  }

  /** The value objects of a property: `data: {..}`, `data: x` or shorthand `{ data }`. */
  propertyValueObjects(prop: ts.ObjectLiteralElementLike, seen: Set<ts.Node> = new Set()): ts.ObjectLiteralExpression[] {
    return this.propertyValues(prop, seen).flatMap((value) => this.objectLiterals(value, seen));
  }

  propertyRowObjects(prop: ts.ObjectLiteralElementLike, seen: Set<ts.Node> = new Set()): ts.ObjectLiteralExpression[] {
    return this.propertyValues(prop, seen).flatMap((value) => this.rowObjects(value, seen));
  }

  /** Keys an object literal writes, expanding `...spread` of resolvable `const` objects. */
  writtenProperties(obj: ts.ObjectLiteralExpression, seen: Set<ts.Node> = new Set()): WrittenProperty[] {
    if (seen.has(obj)) return [];
    seen.add(obj);
    const out: WrittenProperty[] = [];
    for (const prop of obj.properties) {
      if (ts.isSpreadAssignment(prop)) {
        // An unresolvable spread (parameter, call result, import) is skipped, not guessed at.
        for (const inner of this.objectLiterals(prop.expression, seen)) out.push(...this.writtenProperties(inner, seen));
        continue;
      }
      if (ts.isPropertyAssignment(prop) && isUndefinedValue(prop.initializer)) continue;
      const name = propertyName(prop.name);
      if (name !== undefined) out.push({ name, node: prop.name });
    }
    return out;
  }

  /** Finds a property by its static name, e.g. `data` in the call's argument object. */
  findProperty(obj: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
    // Last one wins at runtime, so search from the end.
    for (let i = obj.properties.length - 1; i >= 0; i--) {
      const prop = obj.properties[i];
      if (prop && !ts.isSpreadAssignment(prop) && propertyName(prop.name) === name) return prop;
    }
    return undefined;
  }

  private propertyValues(prop: ts.ObjectLiteralElementLike, seen: Set<ts.Node>): ts.Expression[] {
    if (ts.isPropertyAssignment(prop)) return [prop.initializer];
    if (ts.isShorthandPropertyAssignment(prop)) {
      // `{ data }`: the checker maps the shorthand to the variable it reads.
      const init = this.constInitializer(this.checker.getShorthandAssignmentValueSymbol(prop), prop, seen);
      return init ? [init] : [];
    }
    return [];
  }

  // Only `const` bindings: a `let` may be reassigned or mutated before the call, and a
  // declaration in another file is out of reach of a single-file analysis anyway.
  private constInitializer(symbol: ts.Symbol | undefined, from: ts.Node, seen: Set<ts.Node>): ts.Expression | undefined {
    const decl = symbol?.valueDeclaration;
    if (!decl || !ts.isVariableDeclaration(decl) || !decl.initializer || !ts.isIdentifier(decl.name)) return undefined;
    if ((ts.getCombinedNodeFlags(decl) & ts.NodeFlags.Const) === 0) return undefined;
    if (decl.getSourceFile() !== from.getSourceFile() || seen.has(decl)) return undefined;
    seen.add(decl);
    return decl.initializer;
  }
}

/** The static name of a property key, or undefined for computed keys that are not literals. */
export function propertyName(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteralLike(name) || ts.isNumericLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name)) {
    const expr = unwrap(name.expression);
    if (ts.isStringLiteralLike(expr)) return expr.text;
  }
  return undefined;
}

/** Strips syntax that does not change the runtime value: parens, `as`, `satisfies`, `!`, `<T>x`. */
export function unwrap(expr: ts.Expression): ts.Expression {
  let node = expr;
  for (;;) {
    if (
      ts.isParenthesizedExpression(node) ||
      ts.isAsExpression(node) ||
      ts.isSatisfiesExpression(node) ||
      ts.isNonNullExpression(node) ||
      ts.isTypeAssertionExpression(node)
    ) {
      node = node.expression;
    } else {
      return node;
    }
  }
}

// Prisma drops keys whose value is `undefined`, so `{ userId: undefined }` writes nothing.
function isUndefinedValue(expr: ts.Expression): boolean {
  const node = unwrap(expr);
  return (ts.isIdentifier(node) && node.text === 'undefined') || ts.isVoidExpression(node);
}

function mapCallback(node: ts.Expression): ts.ArrowFunction | ts.FunctionExpression | undefined {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return undefined;
  if (node.expression.name.text !== 'map') return undefined;
  const cb = node.arguments[0] && unwrap(node.arguments[0]);
  return cb && (ts.isArrowFunction(cb) || ts.isFunctionExpression(cb)) ? cb : undefined;
}

/** Expressions a function returns, without descending into nested functions. */
function returnedExpressions(fn: ts.ArrowFunction | ts.FunctionExpression): ts.Expression[] {
  if (!ts.isBlock(fn.body)) return [fn.body];
  const out: ts.Expression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node)) return;
    if (ts.isReturnStatement(node) && node.expression) out.push(node.expression);
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(fn.body, visit);
  return out;
}
