import type { ProtocolReader } from "@dimo-open/protocol";
import { AccessLog } from "../access-log/accessLog.ts";
import { ChallengeBook } from "../auth/challenges.ts";
import { KeyRing } from "../auth/keyRing.ts";
import { CreditLedger } from "../billing/ledger.ts";
import type { NodeDatabase } from "../db/database.ts";
import { ApiMetrics } from "./metrics.ts";
import { type RateLimit, RateLimiter } from "./rateLimit.ts";
import { SerialConnection } from "./sql.ts";

export interface ApiCoreOptions {
  /** The chain: reads for sign-in, exchange and owner checks. */
  chain: ProtocolReader;
  chainId: number;
  database: NodeDatabase;
  /** `iss` of every token: the node's public base URL. */
  issuer?: string;
  tokens?: {
    /** Developer token lifetime; default 14 days, as DIMO. */
    developerLifetimeSeconds?: number;
    /** Vehicle token lifetime; default 10 minutes, as DIMO. */
    vehicleLifetimeSeconds?: number;
    /** Sign-in challenge lifetime; default 5 minutes. */
    challengeLifetimeSeconds?: number;
  };
  credits?: {
    /** Credits a licence starts with (the operator's free allowance); default 0. */
    initialCredits?: number;
    /** Bearer token that may top up balances at POST /v1/credits/topup; no top-ups over HTTP when absent. */
    operatorToken?: string;
  };
  rateLimits?: { perLicense?: RateLimit; perIp?: RateLimit; trustProxy?: boolean };
  /** Let wallets that are not licences sign in (owners reading their vehicles' access log); default true. */
  allowWalletSignIn?: boolean;
  /** Collect process metrics (CPU, memory, event loop) in /metrics; default true. */
  processMetrics?: boolean;
  /** Where unexpected errors go (never secrets); default: stderr as JSON. */
  logError?: (error: unknown, context: Record<string, unknown>) => void;
}

/** The state every route shares: keys, challenges, credits, access log, limits, metrics. */
export interface ApiServices {
  options: ApiCoreOptions;
  issuer: string;
  keys: KeyRing;
  challenges: ChallengeBook;
  ledger: CreditLedger;
  accessLog: AccessLog;
  licenseLimiter: RateLimiter;
  ipLimiter: RateLimiter;
  metrics: ApiMetrics;
  /** Connection for modules that store their own tables (webhooks). */
  sql: SerialConnection;
  logError(error: unknown, context?: Record<string, unknown>): void;
  close(): Promise<void>;
}

export async function openApiServices(options: ApiCoreOptions): Promise<ApiServices> {
  const [keySql, ledgerSql, logSql, sql] = await Promise.all([
    SerialConnection.open(options.database),
    SerialConnection.open(options.database),
    SerialConnection.open(options.database),
    SerialConnection.open(options.database),
  ]);
  const developerLifetime = options.tokens?.developerLifetimeSeconds ?? 14 * 24 * 3600;
  const keys = await KeyRing.open({ sql: keySql, retainSeconds: developerLifetime + 3600 });
  const ledger = await CreditLedger.open(ledgerSql, { initialCredits: options.credits?.initialCredits ?? 0 });
  const accessLog = await AccessLog.open(logSql);
  const logError =
    options.logError ??
    ((error: unknown, context: Record<string, unknown> = {}) =>
      process.stderr.write(
        `${JSON.stringify({ level: "error", msg: (error as Error)?.message ?? String(error), stack: (error as Error)?.stack, ...context })}\n`,
      ));
  return {
    options,
    issuer: options.issuer ?? "urn:dimo-open:node",
    keys,
    challenges: new ChallengeBook({
      lifetimeMs: (options.tokens?.challengeLifetimeSeconds ?? 300) * 1000,
      maxPending: 100_000,
    }),
    ledger,
    accessLog,
    licenseLimiter: new RateLimiter(
      options.rateLimits?.perLicense ?? { perSecond: 50, burst: 200 },
      "developer licence",
    ),
    ipLimiter: new RateLimiter(options.rateLimits?.perIp ?? { perSecond: 100, burst: 400 }, "IP"),
    metrics: new ApiMetrics({ defaultMetrics: options.processMetrics ?? true }),
    sql,
    logError: (error, context = {}) => logError(error, context),
    async close() {
      await accessLog.close();
      await ledger.close();
    },
  };
}
