import type { ReactNode } from 'react';
import { Link } from 'react-router';
import './dashboard.css';

export interface Cell {
  text: string;
  /** The list behind the number. */
  to?: string;
  /** The link's name, when the text alone does not say what it opens. */
  label?: string;
}

export interface Row {
  key: string;
  header: string;
  cells: Cell[];
}

/**
 * A chart's numbers as a table, for screen readers and keyboards: out of sight until a link in it has the
 * focus, and then shown under its chart. Each number is a link to the list behind it, as its bar is.
 */
export function DataTable({ caption, columns, rows }: { caption: string; columns: string[]; rows: Row[] }) {
  return (
    <div className="dashboard-table">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.header}</th>
              {row.cells.map((cell, i) => (
                <td key={i}>{cell.to ? linkTo(cell.to, cell.text, cell.label) : cell.text}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const linkTo = (to: string, text: string, label?: string): ReactNode => (
  <Link to={to} aria-label={label}>
    {text}
  </Link>
);
