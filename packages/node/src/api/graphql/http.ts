import {
  type DocumentNode,
  type ExecutionResult,
  execute,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
  specifiedRules,
  type ValidationContext,
  validate,
} from "graphql";
import { badRequest } from "../errors.ts";
import { readJsonObject } from "../http.ts";

export interface GraphQLRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName: string | undefined;
}

export const MAX_QUERY_LENGTH = 32 * 1024;

/** A GraphQL request from GET (query string) or POST (JSON), bounded. */
export async function readGraphQLRequest(request: Request): Promise<GraphQLRequest> {
  let body: Record<string, unknown>;
  if (request.method === "GET") {
    const params = new URL(request.url).searchParams;
    let variables: unknown = {};
    try {
      variables = JSON.parse(params.get("variables") ?? "{}");
    } catch {
      throw badRequest("invalid_variables", "`variables` in the query string is not JSON.");
    }
    body = { query: params.get("query"), variables, operationName: params.get("operationName") ?? undefined };
  } else {
    body = await readJsonObject(request, MAX_QUERY_LENGTH * 2);
  }
  if (typeof body.query !== "string" || body.query.length === 0) {
    throw badRequest("invalid_query", "Send a GraphQL document in `query`.");
  }
  if (body.query.length > MAX_QUERY_LENGTH) {
    throw badRequest("invalid_query", `The query is longer than ${MAX_QUERY_LENGTH} characters.`);
  }
  const variables = body.variables ?? {};
  if (typeof variables !== "object" || Array.isArray(variables)) {
    throw badRequest("invalid_variables", "`variables` must be a JSON object.");
  }
  return {
    query: body.query,
    variables: variables as Record<string, unknown>,
    operationName: typeof body.operationName === "string" ? body.operationName : undefined,
  };
}

/**
 * Parses and validates, caching parsed-and-valid documents by their text (apps send the same
 * queries over and over). Returns the errors instead when the document is not valid.
 */
export class DocumentCache {
  private readonly cache = new Map<string, DocumentNode>();
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly size = 500,
  ) {}

  prepare(query: string): { document: DocumentNode } | { errors: readonly GraphQLError[] } {
    const cached = this.cache.get(query);
    if (cached) return { document: cached };
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: 5000 });
    } catch (error) {
      return { errors: [error as GraphQLError] };
    }
    const errors = validate(this.schema, document, [...specifiedRules, maxDepth(12)]);
    if (errors.length > 0) return { errors };
    if (this.cache.size >= this.size) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(query, document);
    return { document };
  }
}

/** Bounds nesting so that no document is expensive to walk before its cost is known. */
function maxDepth(limit: number) {
  return (context: ValidationContext) => {
    let depth = 0;
    return {
      SelectionSet: {
        enter() {
          depth++;
          if (depth > limit) {
            context.reportError(new GraphQLError(`Query is nested deeper than ${limit} levels.`));
          }
        },
        leave() {
          depth--;
        },
      },
    };
  };
}

export function operationOf(
  document: DocumentNode,
  operationName: string | undefined,
): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  return operationName
    ? operations.find((o) => o.name?.value === operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
}

/** A GraphQL response body: data, errors (spec-formatted or GraphQLError), extensions. */
export type GraphQLBody =
  | ExecutionResult
  | { data?: unknown; errors?: readonly unknown[]; extensions?: Record<string, unknown> };

export function graphQLResponse(
  result: GraphQLBody,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return Response.json(result, {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

export async function run(
  schema: GraphQLSchema,
  document: DocumentNode,
  request: GraphQLRequest,
  contextValue: unknown,
): Promise<ExecutionResult> {
  return execute({
    schema,
    document,
    variableValues: request.variables,
    operationName: request.operationName,
    contextValue,
  });
}
