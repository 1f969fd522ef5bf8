import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLObjectType,
  type GraphQLSchema,
  Kind,
} from "graphql";
import { operationOf } from "../graphql/http.ts";
import { selectedFields } from "../graphql/selection.ts";
import { parseInterval, parseTime } from "./interval.ts";

/** Fixed weights of the fields that are not per-bucket. */
const WEIGHT: Record<string, number> = { availableSignals: 5, dataSummary: 10, events: 10, vinVCLatest: 5 };

/**
 * A query's complexity before it runs: `signals` weighs buckets × selected signals, the
 * latest-values query one per signal, the rest a fixed weight. The same number bounds the query
 * (complexity limit), prices it (billing/prices.ts) and answers `X-Estimate-Cost`.
 */
export function queryComplexity(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
): number {
  const operation = operationOf(document, operationName);
  if (!operation) throw new GraphQLError("Name the operation to run (`operationName`).");
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  const query = schema.getQueryType()!;
  const aggregations = schema.getType("SignalAggregations") as GraphQLObjectType;
  const collection = schema.getType("SignalCollection") as GraphQLObjectType;
  let total = 0;
  for (const f of selectedFields(operation.selectionSet, query, fragments, variables)) {
    if (f.name === "signals") {
      const buckets = Math.ceil(
        (parseTime("to", f.args.to) - parseTime("from", f.args.from)) /
          parseInterval(String(f.args.interval)),
      );
      const signals = selectedFields(f.node.selectionSet, aggregations, fragments, variables).filter(
        (s) => s.name !== "timestamp",
      ).length;
      total += Math.max(1, buckets) * Math.max(1, signals);
    } else if (f.name === "signalsLatest") {
      total += 1 + selectedFields(f.node.selectionSet, collection, fragments, variables).length;
    } else {
      total += WEIGHT[f.name] ?? 1;
    }
  }
  return total;
}
