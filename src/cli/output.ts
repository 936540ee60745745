/**
 * Output as az prints it.
 *
 * JSON (`-o json`, the default): the SDK model flattened — every `properties`
 * object merged into its parent, at every depth — with `resourceGroup` added
 * to every object that has an `id` naming one (az's `_add_resource_group`),
 * keys sorted, two-space indent.
 *
 * Table (`-o table`): az's automatic table — one row per item, the scalar
 * fields except `id`, `type` and `etag`, keys sorted and capitalised — unless
 * a command supplies its own columns (az's table transformers). Cells and
 * headers are printed through `escapeTerminalText`: a resource field holding
 * an escape sequence shows as text instead of driving the terminal.
 */
import { escapeTerminalText } from '../lib/terminal-text.js';

export type OutputFormat = 'json' | 'table';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resourceGroupOf(id: string): string | undefined {
  const match = /\/resourceGroups\/([^/]+)/i.exec(id);
  return match?.[1];
}

/** az's view of an ARM resource: `properties` flattened, `resourceGroup` added, recursively. */
export function flattenResource(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(flattenResource);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === 'properties' && isRecord(field)) {
      for (const [inner, innerValue] of Object.entries(field)) out[inner] = flattenResource(innerValue);
    } else {
      out[key] = flattenResource(field);
    }
  }
  const hasGroup = Object.keys(out).some((key) => key.toLowerCase() === 'resourcegroup');
  if (!hasGroup && typeof out['id'] === 'string') {
    const group = resourceGroupOf(out['id']);
    if (group !== undefined) out['resourceGroup'] = group;
  }
  return out;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
  return out;
}

export function formatJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2);
}

/** A table column: header text and how to read the cell from a row. */
export interface Column {
  readonly header: string;
  readonly value: (row: Record<string, unknown>) => unknown;
}

const SKIP_KEYS = new Set(['id', 'type', 'etag']);

function rawCellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(rawCellText).join(', ');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value) ?? '';
}

function cellText(value: unknown): string {
  return escapeTerminalText(rawCellText(value));
}

/** az's automatic columns: the scalar fields of the rows, sorted, without id/type/etag. */
function automaticColumns(rows: readonly Record<string, unknown>[]): Column[] {
  const keys = new Set<string>();
  for (const row of rows) {
    for (const [key, value] of Object.entries(row)) {
      if (SKIP_KEYS.has(key) || value === null || value === undefined || typeof value === 'object') continue;
      keys.add(key);
    }
  }
  return [...keys]
    .sort()
    .map((key) => ({ header: key.charAt(0).toUpperCase() + key.slice(1), value: (row) => row[key] }));
}

export function formatTable(rows: readonly Record<string, unknown>[], columns?: readonly Column[]): string {
  const chosen = columns ?? automaticColumns(rows);
  if (chosen.length === 0) return '';
  const cells = rows.map((row) => chosen.map((column) => cellText(column.value(row))));
  const headers = chosen.map((column) => escapeTerminalText(column.header));
  const widths = chosen.map((_column, i) =>
    Math.max(headers[i]!.length, ...cells.map((row) => row[i]!.length)),
  );
  const line = (parts: readonly string[]) =>
    parts
      .map((part, i) => part.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** What a command produced: the JSON value, and optionally how to show it as a table. */
export interface CommandResult {
  readonly json: unknown;
  /** rows for `-o table`; defaults to `json` (an array, or one object as one row) */
  readonly rows?: readonly Record<string, unknown>[];
  readonly columns?: readonly Column[];
}

export function render(result: CommandResult, format: OutputFormat): string {
  if (format === 'json') return result.json === undefined ? '' : formatJson(result.json);
  const rows =
    result.rows ??
    (Array.isArray(result.json) ? result.json.filter(isRecord) : isRecord(result.json) ? [result.json] : []);
  return formatTable(rows, result.columns);
}
