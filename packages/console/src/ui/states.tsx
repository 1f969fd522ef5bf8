import type { ReactNode } from "react";

/** The message a person should read for any error: ProtocolError and DimoApiError messages say what to do. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const e = error as Error & { shortMessage?: string; details?: string };
    return e.shortMessage && e.shortMessage !== e.message && !e.message.startsWith(e.shortMessage)
      ? `${e.shortMessage} ${e.details ?? ""}`.trim()
      : e.message.split("\n\n")[0]!;
  }
  return String(error);
}

export function Loading(props: { label?: string | undefined }) {
  return (
    <div className="state state-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {props.label ?? "Loading…"}
    </div>
  );
}

export function ErrorBox(props: { error: unknown; onRetry?: () => void; title?: string }) {
  return (
    <div className="state state-error" role="alert">
      <strong>{props.title ?? "Something went wrong"}</strong>
      <p>{errorMessage(props.error)}</p>
      {props.onRetry && (
        <button type="button" className="button secondary" onClick={props.onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty(props: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="state state-empty">
      <strong>{props.title}</strong>
      {props.children && <p>{props.children}</p>}
      {props.action}
    </div>
  );
}
