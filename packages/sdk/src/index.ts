/**
 * @dimo-open/sdk: a typed client for DIMO-compatible nodes (sign-in, token exchange, identity and
 * telemetry GraphQL, webhooks, credits, access log). Used by the CLI and the console.
 */
export {
  type DeveloperSession,
  DimoClient,
  type DimoClientOptions,
  type FirmwareReleaseInfo,
  type LatestValue,
  type MessageSigner,
  type VehicleToken,
  type Webhook,
  type WebhookDefinition,
} from "./client.ts";
export { DimoApiError, DimoGraphQLError } from "./errors.ts";
export type { GraphQLResult } from "./http.ts";
export {
  buildLatestQuery,
  buildSignalsQuery,
  type FloatAggregation,
  type FloatFilter,
  InvalidSignalQueryError,
  type LocationAggregation,
  type LocationFilter,
  type SignalField,
  type SignalRow,
  type SignalValue,
  type StringAggregation,
} from "./signals.ts";
export { verifyWebhookDelivery } from "./webhookSignature.ts";
