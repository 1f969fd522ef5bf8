export { type Condition, compileCondition, geoDistanceKm } from "./condition.ts";
export { type TriggerSample, WebhookEngine, type WebhookEngineOptions } from "./engine.ts";
export {
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_HEADER,
  signWebhookBody,
  verifyWebhookSignature,
  WebhookSignatureError,
} from "./signature.ts";
export type { Webhook, WebhookService, WebhookStatus } from "./store.ts";
