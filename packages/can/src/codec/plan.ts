/**
 * The multiplexing tree of a message: which signals are always present, which selectors
 * exist, and for each selector value which signals (and nested selectors) join. Built once
 * per message; the decoder and encoder walk it. Semantics follow cantools: a selector's
 * valid values are those its children name plus those it has a VAL_ choice for (a branch that
 * only names the value and carries no signal).
 */
import type { Signal } from "../dbc/model.ts";

export interface PlanNode {
  readonly signals: readonly Signal[];
  readonly muxes: readonly PlanMux[];
}

export interface PlanMux {
  readonly selector: Signal;
  /** Selector value → the branch it selects. Values with the same signals share one node. */
  readonly branches: ReadonlyMap<number, PlanNode>;
  /** Every valid selector value, ascending (for error messages). */
  readonly ids: readonly number[];
}

export function buildPlan(signals: readonly Signal[]): PlanNode {
  const usable = signals.filter((s) => s.length > 0 && s.length <= 512);
  const childrenOf = new Map<string, Signal[]>();
  for (const s of usable) {
    if (s.multiplexerSignal === undefined) continue;
    const list = childrenOf.get(s.multiplexerSignal) ?? [];
    list.push(s);
    childrenOf.set(s.multiplexerSignal, list);
  }
  const building = new Set<string>();

  const node = (members: readonly Signal[]): PlanNode => {
    const muxes: PlanMux[] = [];
    for (const selector of members) {
      if (!selector.isMultiplexer || building.has(selector.name)) continue;
      building.add(selector.name);
      const children = childrenOf.get(selector.name) ?? [];
      const activeById = new Map<number, Signal[]>();
      for (const c of children) {
        for (const id of c.multiplexerIds ?? []) {
          const list = activeById.get(id);
          if (list) list.push(c);
          else activeById.set(id, [c]);
        }
      }
      for (const key of selector.choices?.keys() ?? []) {
        if (typeof key === "number" && !activeById.has(key)) activeById.set(key, []);
      }
      const sorted = [...activeById.keys()].sort((a, b) => a - b);
      const shared = new Map<string, PlanNode>();
      const branches = new Map<number, PlanNode>();
      for (const id of sorted) {
        const active = activeById.get(id)!;
        const key = active.map((c) => c.name).join("\u0000");
        let branch = shared.get(key);
        if (!branch) {
          branch = node(active);
          shared.set(key, branch);
        }
        branches.set(id, branch);
      }
      building.delete(selector.name);
      muxes.push({ selector, branches, ids: sorted });
    }
    return { signals: members, muxes };
  };

  return node(usable.filter((s) => s.multiplexerSignal === undefined));
}
