/**
 * Reads and validates a configuration file: YAML (`yaml`, with positions),
 * then the typebox schema (config-schema.ts, compiled once), then the route
 * maps' rules with the API's validator (config-route-maps.ts). Every problem is
 * reported with the line and column of the offending value (or of its
 * closest enclosing node).
 */
import { readFileSync } from 'node:fs';
import { Compile } from 'typebox/compile';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { routeMapProblems } from './config-route-maps.js';
import { RouteServerConfigFile, type ConfigFile } from './config-schema.js';
import { ConfigError, type ConfigProblem } from './errors.js';

const validator = Compile(RouteServerConfigFile);

function pathSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** The position of the node at `path`, or of the deepest ancestor that exists. */
function positionOf(
  doc: Document,
  lines: LineCounter,
  path: (string | number)[],
): { line: number; col: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]);
  }
  return { line: 1, col: 1 };
}

/** Reports an unknown property at its key rather than at the enclosing map. */
function keyPosition(doc: Document, lines: LineCounter, path: (string | number)[]) {
  const parent: unknown = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const key = path[path.length - 1];
  if (parent !== null && typeof parent === 'object' && 'items' in parent && Array.isArray(parent.items)) {
    for (const pair of parent.items as { key?: unknown }[]) {
      const keyNode = pair.key;
      if (isNode(keyNode) && 'value' in keyNode && keyNode.value === key && keyNode.range)
        return lines.linePos(keyNode.range[0]);
    }
  }
  return positionOf(doc, lines, path);
}

function schemaProblems(doc: Document, lines: LineCounter, value: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const error of validator.Errors(value)) {
    if (error.keyword === 'additionalProperties') continue; // reported per property below
    const path = pathSegments(error.instancePath);
    const unknown = error.keyword === 'boolean' && error.message === 'schema is false';
    const position = unknown ? keyPosition(doc, lines, path) : positionOf(doc, lines, path);
    const message = unknown ? `unknown property '${String(path[path.length - 1])}'` : error.message;
    problems.push({ line: position.line, column: position.col, path: error.instancePath, message });
  }
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Parses and validates configuration text; `file` names it in errors. */
export function parseConfig(text: string, file: string): ConfigFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((error) => {
        const position = lines.linePos(error.pos[0]);
        return {
          line: position.line,
          column: position.col,
          path: '',
          message: error.message.split('\n')[0]!,
        };
      }),
    );
  }
  const value: unknown = doc.toJS();
  if (!validator.Check(value)) {
    const problems = schemaProblems(doc, lines, value);
    throw new ConfigError(
      file,
      problems.length > 0 ? problems : [{ line: 1, column: 1, path: '', message: 'invalid' }],
    );
  }
  const mapProblems = routeMapProblems(value).map(({ path, message }) => {
    const position = positionOf(doc, lines, [...path]);
    const pointer = path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
    return { line: position.line, column: position.col, path: pointer, message };
  });
  if (mapProblems.length > 0) throw new ConfigError(file, mapProblems);
  return value;
}

export function loadConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(file, [
      { line: 1, column: 1, path: '', message: `cannot read: ${(cause as Error).message}` },
    ]);
  }
  return parseConfig(text, file);
}
