import ts from 'typescript';
import { unwrap } from './resolveObjects';

/** Where the Prisma extension that ensures references comes from, and its factory's name. */
export const PROVISIONING_MODULE = '@agentstate/prisma-provisioning';
export const PROVISIONING_FACTORY = 'referenceProvisioning';

/**
 * Write methods whose top-level rows the extension ensures references for
 * (an upsert only in its `create` branch; `update` is never covered).
 */
export const COVERED_METHODS: ReadonlySet<string> = new Set(['create', 'createMany', 'createManyAndReturn', 'upsert']);

/**
 * Whether `receiver` is, provably, a client extended with referenceProvisioning:
 *  - a `const` of the same file initialised with `<client>.$extends(referenceProvisioning(…))`,
 *    the factory imported from @agentstate/prisma-provisioning (named, aliased or namespace import);
 *  - or the first parameter of a function passed straight to such a client's `$transaction`,
 *    never reassigned in it.
 * Anything else (parameters, `this.db`, imports, `let`, further `$extends`) is not known to be
 * extended, so its writes stay flagged: a missed exemption, never a missed finding.
 */
export function isProvisioningClient(receiver: ts.Expression, checker: ts.TypeChecker, depth = 0): boolean {
  const node = unwrap(receiver);
  if (!ts.isIdentifier(node) || depth > 8) return false;
  const declaration = checker.getSymbolAtLocation(node)?.valueDeclaration;
  if (!declaration || declaration.getSourceFile() !== node.getSourceFile()) return false;
  if (ts.isVariableDeclaration(declaration)) {
    if ((ts.getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) === 0 || !declaration.initializer) return false;
    return isExtendsWithProvisioning(declaration.initializer, checker);
  }
  if (ts.isParameter(declaration)) return isTransactionClient(declaration, checker, depth);
  return false;
}

/** `<anything>.$extends(referenceProvisioning(…))` */
function isExtendsWithProvisioning(expression: ts.Expression, checker: ts.TypeChecker): boolean {
  const call = unwrap(expression);
  if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(call.expression) || call.expression.name.text !== '$extends') return false;
  const argument = call.arguments[0] && unwrap(call.arguments[0]);
  return argument !== undefined && ts.isCallExpression(argument) && isProvisioningFactory(argument.expression, checker);
}

/** `referenceProvisioning`, `rp` (imported as), or `ns.referenceProvisioning`, from PROVISIONING_MODULE. */
function isProvisioningFactory(callee: ts.Expression, checker: ts.TypeChecker): boolean {
  const node = unwrap(callee);
  if (ts.isIdentifier(node)) {
    const specifier = checker.getSymbolAtLocation(node)?.declarations?.[0];
    if (!specifier || !ts.isImportSpecifier(specifier)) return false;
    return (specifier.propertyName ?? specifier.name).text === PROVISIONING_FACTORY && importedFrom(specifier) === PROVISIONING_MODULE;
  }
  if (ts.isPropertyAccessExpression(node) && node.name.text === PROVISIONING_FACTORY && ts.isIdentifier(node.expression)) {
    const namespace = checker.getSymbolAtLocation(node.expression)?.declarations?.[0];
    return namespace !== undefined && ts.isNamespaceImport(namespace) && importedFrom(namespace) === PROVISIONING_MODULE;
  }
  return false;
}

function importedFrom(node: ts.Node): string | undefined {
  let current: ts.Node | undefined = node;
  while (current && !ts.isImportDeclaration(current)) current = current.parent;
  return current && ts.isStringLiteral(current.moduleSpecifier) ? current.moduleSpecifier.text : undefined;
}

/** The `tx` of `<extended>.$transaction(async (tx) => …)`, not reassigned inside. */
function isTransactionClient(parameter: ts.ParameterDeclaration, checker: ts.TypeChecker, depth: number): boolean {
  const fn = parameter.parent;
  if (!(ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) || fn.parameters[0] !== parameter || !ts.isIdentifier(parameter.name)) return false;
  const call = fn.parent;
  if (!ts.isCallExpression(call) || call.arguments[0] !== fn) return false;
  if (!ts.isPropertyAccessExpression(call.expression) || call.expression.name.text !== '$transaction') return false;
  if (isReassigned(parameter, fn, checker)) return false;
  return isProvisioningClient(call.expression.expression, checker, depth + 1);
}

function isReassigned(parameter: ts.ParameterDeclaration, fn: ts.FunctionLikeDeclaration, checker: ts.TypeChecker): boolean {
  const symbol = checker.getSymbolAtLocation(parameter.name);
  let reassigned = false;
  const visit = (node: ts.Node): void => {
    if (reassigned) return;
    if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
      const left = unwrap(node.left);
      if (ts.isIdentifier(left) && checker.getSymbolAtLocation(left) === symbol) reassigned = true;
    }
    ts.forEachChild(node, visit);
  };
  if (fn.body) visit(fn.body);
  return reassigned;
}
