import type { ReactNode } from "react";
import { formatDateTime, formatRelative, shortAddress } from "../format.ts";

export function Page(props: {
  title: string;
  subtitle?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section className="page">
      <header className="page-header">
        <div>
          <h1>{props.title}</h1>
          {props.subtitle && <p className="subtitle">{props.subtitle}</p>}
        </div>
        {props.actions && <div className="page-actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

export function Card(props: { title?: ReactNode; actions?: ReactNode; children: ReactNode; wide?: boolean }) {
  return (
    <div className={props.wide ? "card wide" : "card"}>
      {(props.title || props.actions) && (
        <div className="card-header">
          {props.title && <h2>{props.title}</h2>}
          {props.actions && <div className="card-actions">{props.actions}</div>}
        </div>
      )}
      {props.children}
    </div>
  );
}

export function Grid(props: { children: ReactNode }) {
  return <div className="grid">{props.children}</div>;
}

/** A narrow column beside a wide one (a form beside its table). */
export function Split(props: { children: ReactNode }) {
  return <div className="split">{props.children}</div>;
}

export function Stats(props: { children: ReactNode }) {
  return <div className="stats">{props.children}</div>;
}

export function Stat(props: { label: string; value: ReactNode; hint?: ReactNode }) {
  // A figure named by its caption: assistive technology (and the browser tests) read a value with its label.
  return (
    <figure className="stat">
      <figcaption className="stat-label">{props.label}</figcaption>
      <div className="stat-value">{props.value}</div>
      {props.hint && <div className="stat-hint">{props.hint}</div>}
    </figure>
  );
}

export type Tone = "good" | "warn" | "bad" | "neutral" | "info";

export function Badge(props: { tone?: Tone; children: ReactNode }) {
  return <span className={`badge ${props.tone ?? "neutral"}`}>{props.children}</span>;
}

/** A column of a table: a heading and how to render a row's cell. */
export interface Column<T> {
  label: string;
  render: (row: T) => ReactNode;
  align?: "right";
}

export function Table<T>(props: { rows: readonly T[]; columns: Column<T>[]; rowKey: (row: T) => string }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.label} className={c.align}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={props.rowKey(row)}>
              {props.columns.map((c) => (
                <td key={c.label} className={c.align}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** An address, shortened, with the full value on hover and a label when it is a known account. */
export function AddressText(props: { address: string; label?: string | undefined }) {
  return (
    <span className="mono address" title={props.address}>
      {props.label ? (
        <>
          {props.label} <span className="muted">{shortAddress(props.address)}</span>
        </>
      ) : (
        shortAddress(props.address)
      )}
    </span>
  );
}

/** A time with its relative form ("in 3 days") and the exact time on hover. */
export function When(props: { at: Date | string | number | bigint; relative?: boolean }) {
  const exact = formatDateTime(props.at);
  return <time title={exact}>{props.relative ? formatRelative(props.at) : exact}</time>;
}

export function KeyValues(props: { items: [string, ReactNode][] }) {
  return (
    <dl className="kv">
      {props.items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}
