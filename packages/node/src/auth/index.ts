/** Developer sign-in, RS256 keys and tokens, and the vehicle token exchange. */
export { ChallengeBook, type PendingChallenge } from "./challenges.ts";
export {
  type ExchangeRequest,
  type ExchangeResult,
  exchangeVehicleToken,
  parseExchangeRequest,
} from "./exchange.ts";
export { InvalidTokenError, KeyRing, type KeyRingOptions } from "./keyRing.ts";
export { type ChallengeResponse, SignIn, type SignInOptions, type TokenResponse } from "./signIn.ts";
export {
  type DeveloperIdentity,
  VEHICLE_TOKEN_AUDIENCE,
  type VehicleGrant,
  verifyDeveloperToken,
  verifyVehicleToken,
} from "./tokens.ts";
