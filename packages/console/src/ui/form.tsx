import { type ReactNode, useCallback, useState } from "react";
import { shortAddress } from "../format.ts";
import { errorMessage } from "./states.tsx";

export type ActionState =
  | { status: "idle" }
  | { status: "pending"; label: string }
  | { status: "done"; message: string }
  | { status: "error"; label: string; error: unknown };

/**
 * Runs one user action at a time (a transaction, a sign-in, an API call) and keeps what a form
 * shows about it: pending, the result with its transaction, or the error to act on.
 */
export function useAction() {
  const [state, setState] = useState<ActionState>({ status: "idle" });
  const run = useCallback(
    async <T,>(label: string, action: () => Promise<T>, done?: (result: T) => string | undefined) => {
      setState({ status: "pending", label });
      try {
        const result = await action();
        const hash = (result as { hash?: string } | undefined)?.hash;
        const message =
          done?.(result) ??
          (hash ? `${label}: done in transaction ${shortAddress(hash)}.` : `${label}: done.`);
        setState({ status: "done", message });
        return result;
      } catch (error) {
        setState({ status: "error", label, error });
        return undefined;
      }
    },
    [],
  );
  return { state, run, pending: state.status === "pending", reset: () => setState({ status: "idle" }) };
}

export function ActionStatus(props: { state: ActionState }) {
  const s = props.state;
  if (s.status === "idle") return null;
  if (s.status === "pending")
    return (
      <div className="action-status pending" role="status">
        <span className="spinner" aria-hidden="true" /> {s.label}…
      </div>
    );
  if (s.status === "done")
    return (
      <div className="action-status done" role="status">
        {s.message}
      </div>
    );
  return (
    <div className="action-status error" role="alert">
      <strong>{s.label} failed.</strong> {errorMessage(s.error)}
    </div>
  );
}

export function Field(props: { label: string; hint?: ReactNode; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child passed in.
    <label className="field">
      <span className="field-label">{props.label}</span>
      {props.children}
      {props.hint && <span className="field-hint">{props.hint}</span>}
    </label>
  );
}

export function Button(props: {
  children: ReactNode;
  onClick?: () => void;
  disabled?: boolean;
  kind?: "primary" | "secondary" | "danger";
  submit?: boolean;
  title?: string;
}) {
  return (
    <button
      type={props.submit ? "submit" : "button"}
      className={`button ${props.kind ?? "primary"}`}
      onClick={props.onClick}
      disabled={props.disabled}
      title={props.title}
    >
      {props.children}
    </button>
  );
}

/** A form whose submit runs `onSubmit` (the browser's own validation first). */
export function Form(props: { onSubmit: () => void; children: ReactNode; inline?: boolean }) {
  return (
    <form
      className={props.inline ? "form inline" : "form"}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      {props.children}
    </form>
  );
}
