/**
 * Unused-export check: lists the names exported by files of src/ that no
 * other file of the project (src, test, bench, scripts) imports, so that an
 * export says "used elsewhere". Run as `npm run check:exports`; exits 1 when
 * it finds any. A name used only in its own file needs no `export`.
 *
 * Resolution goes through the TypeScript checker: an import through a
 * module's index.ts counts for the declaration it re-exports, and a dynamic
 * `import()` or a namespace import counts for every export of its module.
 * Entry points (src/cli/main.ts) export nothing and are not listed.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

export interface UnusedExport {
  readonly file: string;
  readonly name: string;
  readonly line: number;
}

function loadProgram(root: string): ts.Program {
  const configPath = path.join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  return ts.createProgram(parsed.fileNames, parsed.options);
}

const isProjectFile = (root: string, file: ts.SourceFile) =>
  !file.isDeclarationFile && !path.relative(root, file.fileName).startsWith('..');

/** The declaration an alias (import or re-export) finally names. */
function original(checker: ts.TypeChecker, symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** Symbols imported anywhere in the project, and modules imported whole. */
function importedSymbols(root: string, program: ts.Program): { symbols: Set<ts.Symbol>; whole: Set<string> } {
  const checker = program.getTypeChecker();
  const symbols = new Set<ts.Symbol>();
  const whole = new Set<string>();
  const markModule = (specifier: ts.Expression, from: ts.SourceFile) => {
    if (!ts.isStringLiteralLike(specifier)) return;
    const resolved = ts.resolveModuleName(
      specifier.text,
      from.fileName,
      program.getCompilerOptions(),
      ts.sys,
    );
    if (resolved.resolvedModule) whole.add(path.resolve(resolved.resolvedModule.resolvedFileName));
  };
  const visit = (node: ts.Node, file: ts.SourceFile): void => {
    if (ts.isImportSpecifier(node) || ts.isExportSpecifier(node) || ts.isImportClause(node)) {
      const name = ts.isImportClause(node) ? node.name : node.name;
      const symbol = name && checker.getSymbolAtLocation(name);
      if (symbol) symbols.add(original(checker, symbol));
    } else if (ts.isNamespaceImport(node) || (ts.isExportDeclaration(node) && !node.exportClause)) {
      const declaration = ts.isNamespaceImport(node) ? node.parent.parent : node;
      if (declaration.moduleSpecifier) markModule(declaration.moduleSpecifier, file);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      if (node.arguments[0]) markModule(node.arguments[0], file);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      markModule(node.argument.literal, file);
    }
    ts.forEachChild(node, (child) => visit(child, file));
  };
  for (const file of program.getSourceFiles()) if (isProjectFile(root, file)) visit(file, file);
  return { symbols, whole };
}

/** Every exported declaration of src/ (outside tests) that nothing imports. */
export function findUnusedExports(root: string): UnusedExport[] {
  const program = loadProgram(root);
  const checker = program.getTypeChecker();
  const { symbols, whole } = importedSymbols(root, program);
  const unused: UnusedExport[] = [];
  for (const file of program.getSourceFiles()) {
    const relative = path.relative(root, file.fileName).split(path.sep).join('/');
    if (!isProjectFile(root, file) || !relative.startsWith('src/') || /\.test(-support)?\.ts$/.test(relative))
      continue;
    if (whole.has(path.resolve(file.fileName))) continue;
    const moduleSymbol = checker.getSymbolAtLocation(file);
    if (!moduleSymbol) continue;
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      if (exported.flags & ts.SymbolFlags.Alias) continue; // a re-export: judged at its declaration
      if (symbols.has(exported)) continue;
      const declaration = exported.declarations?.[0];
      if (!declaration || declaration.getSourceFile() !== file) continue;
      const line = file.getLineAndCharacterOfPosition(declaration.getStart()).line + 1;
      unused.push({ file: relative, name: exported.name, line });
    }
  }
  return unused.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

function main(): void {
  const unused = findUnusedExports(process.cwd());
  for (const u of unused) console.error(`${u.file}:${u.line}: ${u.name} is exported but nothing imports it`);
  console.log(`unused-export check: ${unused.length} unused export(s)`);
  if (unused.length > 0) process.exit(1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
