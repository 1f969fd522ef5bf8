import { DimoApiError, DimoGraphQLError } from "./errors.ts";

export interface Transport {
  baseUrl: string;
  fetch: typeof fetch;
}

export async function request<T>(
  t: Transport,
  method: string,
  path: string,
  p: {
    token?: string;
    json?: unknown;
    form?: Record<string, string>;
    /** A raw body (e.g. a firmware image), sent as application/octet-stream. */
    bytes?: Uint8Array;
    query?: Record<string, string>;
    headers?: Record<string, string>;
  } = {},
): Promise<T> {
  const url = new URL(path, t.baseUrl.endsWith("/") ? t.baseUrl : `${t.baseUrl}/`);
  for (const [k, v] of Object.entries(p.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { accept: "application/json", ...p.headers };
  if (p.token) headers.authorization = `Bearer ${p.token}`;
  let body: string | Uint8Array<ArrayBuffer> | undefined;
  if (p.bytes !== undefined) {
    headers["content-type"] = "application/octet-stream";
    body = p.bytes as Uint8Array<ArrayBuffer>;
  } else if (p.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(p.json);
  } else if (p.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(p.form).toString();
  }
  const response = await t.fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (!response.ok) {
    const e = (parsed ?? {}) as { error?: string; message?: string; errors?: { message: string }[] };
    throw new DimoApiError(
      response.status,
      e.error ?? "http_error",
      e.message ??
        e.errors?.map((x) => x.message).join("; ") ??
        `${method} ${url.pathname} answered ${response.status}`,
      parsed,
    );
  }
  return parsed as T;
}

export interface GraphQLResult<T> {
  data: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** Runs a GraphQL query; field errors are returned beside the data (or thrown when `strict`). */
export async function graphql<T>(
  t: Transport,
  path: string,
  query: string,
  variables: Record<string, unknown> | undefined,
  p: { token?: string; strict?: boolean; headers?: Record<string, string> } = {},
): Promise<GraphQLResult<T>> {
  const result = await request<GraphQLResult<T>>(t, "POST", path, {
    json: { query, ...(variables ? { variables } : {}) },
    ...(p.token ? { token: p.token } : {}),
    ...(p.headers ? { headers: p.headers } : {}),
  });
  if (p.strict && result.errors?.length) throw new DimoGraphQLError(result.errors, result.data);
  return result;
}
