import { type DependencyList, type ReactNode, useCallback, useEffect, useRef, useState } from "react";
import { ErrorBox, Loading } from "./states.tsx";

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Runs the load again (after a mutation, or from a "Retry" button). */
  reload(): void;
  /**
   * Reloads now and a few more times over the next 20 seconds: for views read from the node's
   * chain index, which follows a transaction a moment after it is mined (longer on a busy machine).
   */
  reloadAfterWrite(): void;
}

/**
 * Loads data for a view: re-runs when `deps` change, optionally every `refreshMs` (live views),
 * and drops answers that arrive after a newer load started, so a slow answer never overwrites
 * a newer one.
 */
export function useAsync<T>(
  load: () => Promise<T>,
  deps: DependencyList,
  options: { refreshMs?: number } = {},
): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `deps` are the caller's dependencies of `load`.
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === seq.current && setState({ data, loading: false }),
      (error) => mine === seq.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, [...deps, tick]);
  useEffect(() => {
    if (!options.refreshMs) return;
    const timer = setInterval(() => setTick((t) => t + 1), options.refreshMs);
    return () => clearInterval(timer);
  }, [options.refreshMs]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);
  useEffect(() => () => timers.current.forEach(clearTimeout), []);
  const reloadAfterWrite = useCallback(() => {
    reload();
    for (const ms of [1500, 4000, 10_000, 20_000]) timers.current.push(setTimeout(reload, ms));
  }, [reload]);
  return { data: state.data, error: state.error, loading: state.loading, reload, reloadAfterWrite };
}

/** Renders loading, error (with retry) or the data; keeps showing old data while a refresh runs. */
export function Async<T>(props: {
  state: AsyncState<T>;
  children: (data: T) => ReactNode;
  label?: string;
}): ReactNode {
  const { state } = props;
  if (state.data !== undefined && !state.error) return props.children(state.data);
  if (state.error) return <ErrorBox error={state.error} onRetry={state.reload} />;
  return <Loading label={props.label} />;
}
