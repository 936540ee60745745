/**
 * A table that renders only the rows in view (plus a few around them), so a
 * list of tens of thousands of routes scrolls and filters without lag. It
 * keeps table semantics for assistive technology (ARIA table roles, row
 * count and index).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const ROW_HEIGHT = 28;
const OVERSCAN = 10;

export interface Column<Row> {
  readonly title: string;
  readonly width: string;
  readonly cell: (row: Row) => ComponentChildren;
}

export function VirtualTable<Row>(props: {
  rows: readonly Row[];
  columns: readonly Column<Row>[];
  label: string;
  height: number;
  rowClass?: (row: Row) => string;
  /** told the rows drawn (first included, last excluded) whenever they change */
  onWindow?: (rows: readonly Row[]) => void;
}) {
  const [scrollTop, setScrollTop] = useState(0);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(props.rows.length, Math.ceil((scrollTop + props.height) / ROW_HEIGHT) + OVERSCAN);
  const { onWindow, rows } = props;
  useEffect(() => onWindow?.(rows.slice(first, last)), [onWindow, rows, first, last]);
  const template = props.columns.map((c) => c.width).join(' ');
  return (
    <div role="table" aria-label={props.label} aria-rowcount={props.rows.length + 1} class="vtable">
      <div role="rowgroup">
        <div role="row" class="vrow head" style={{ gridTemplateColumns: template }} aria-rowindex={1}>
          {props.columns.map((column) => (
            <span role="columnheader" key={column.title}>
              {column.title}
            </span>
          ))}
        </div>
      </div>
      <div
        role="rowgroup"
        class="vbody"
        tabIndex={0}
        aria-label={`${props.label}: scroll to see more rows`}
        style={{ height: `${props.height}px` }}
        onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      >
        <div style={{ height: `${props.rows.length * ROW_HEIGHT}px`, position: 'relative' }}>
          {props.rows.slice(first, last).map((row, offset) => (
            <div
              role="row"
              key={first + offset}
              aria-rowindex={first + offset + 2}
              class={`vrow ${props.rowClass?.(row) ?? ''}`}
              style={{ top: `${(first + offset) * ROW_HEIGHT}px`, gridTemplateColumns: template }}
            >
              {props.columns.map((column) => (
                <span role="cell" key={column.title}>
                  {column.cell(row)}
                </span>
              ))}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
