import { SIGNALS, type SignalDefinition } from "@dimo-open/signals";

/**
 * The telemetry GraphQL schema, DIMO's telemetry-api shapes, generated from the signal
 * catalogue: every catalogue signal is a field of `SignalAggregations` (with its aggregation enum
 * by data type) and of `SignalCollection` (latest value).
 */
const aggregationArgs: Record<SignalDefinition["dataType"], string> = {
  float: "(agg: FloatAggregation!, filter: SignalFloatFilter): Float",
  string: "(agg: StringAggregation!): String",
  location: "(agg: LocationAggregation!, filter: SignalLocationFilter): Location",
};
const latestType: Record<SignalDefinition["dataType"], string> = {
  float: "SignalFloat",
  string: "SignalString",
  location: "SignalLocation",
};

const describe = (s: SignalDefinition) =>
  JSON.stringify(
    `${s.description}${s.unit ? ` Unit: ${s.unit}.` : ""} Requires one of privileges ${s.anyOfPrivileges.join(", ")}.`,
  );

export const TELEMETRY_SDL = `
"RFC 3339 time, UTC."
scalar Time

type Query {
  "Signals aggregated over buckets of \`interval\` (a Go duration: 1h, 30m, 24h), the first starting at \`from\`."
  signals(tokenId: Int!, interval: String!, from: Time!, to: Time!, filter: SignalFilter): [SignalAggregations!]
  "The latest value of each signal."
  signalsLatest(tokenId: Int!, filter: SignalFilter): SignalCollection
  "Names of the signals stored for the vehicle."
  availableSignals(tokenId: Int!, filter: SignalFilter): [String!]
  "How much data the node holds for the vehicle."
  dataSummary(tokenId: Int!, filter: SignalFilter): DataSummary
  "Vehicle events (harsh braking, …) in [from, to)."
  events(tokenId: Int!, from: Time!, to: Time!, filter: EventFilter): [Event!]
  "The latest VIN the vehicle's devices reported, as a verifiable record."
  vinVCLatest(tokenId: Int!): VINVC
}

input SignalFilter { "Only data from this connection (the CloudEvent source)." source: String }

enum FloatAggregation { AVG MED MAX MIN RAND FIRST LAST }
enum StringAggregation { RAND TOP UNIQUE FIRST LAST }
enum LocationAggregation { AVG RAND FIRST LAST }

input SignalFloatFilter {
  eq: Float
  neq: Float
  gt: Float
  lt: Float
  gte: Float
  lte: Float
  in: [Float!]
  notIn: [Float!]
  or: [SignalFloatFilter!]
}

input FilterLocation { latitude: Float!, longitude: Float! }
"A circle; \`radius\` in kilometres."
input InCircleFilter { center: FilterLocation!, radius: Float! }
input SignalLocationFilter { inPolygon: [FilterLocation!], inCircle: InCircleFilter }

type Location { latitude: Float!, longitude: Float!, hdop: Float! }

type SignalAggregations {
  "Start of the bucket."
  timestamp: Time!
${SIGNALS.map((s) => `  ${describe(s)}\n  ${s.name}${aggregationArgs[s.dataType]}`).join("\n")}
}

type SignalFloat { timestamp: Time!, value: Float! }
type SignalString { timestamp: Time!, value: String! }
type SignalLocation { timestamp: Time!, value: Location! }

type SignalCollection {
  "When the vehicle last sent any signal."
  lastSeen: Time
${SIGNALS.map((s) => `  ${describe(s)}\n  ${s.name}: ${latestType[s.dataType]}`).join("\n")}
}

type SignalDataSummary { name: String!, numberOfSignals: Float!, firstSeen: Time!, lastSeen: Time! }
type DataSummary {
  numberOfSignals: Float!
  availableSignals: [String!]!
  firstSeen: Time
  lastSeen: Time
  signalDataSummary: [SignalDataSummary!]!
}

input StringValueFilter { eq: String, neq: String, in: [String!], notIn: [String!], startsWith: String }
input EventFilter { name: StringValueFilter, source: StringValueFilter }
type Event { timestamp: Time!, name: String!, source: String!, durationNs: Float!, metadata: String }

type VINVC {
  vin: String
  vehicleTokenId: Int
  vehicleDID: String
  recordedBy: String
  recordedAt: Time
  source: String
  rawVC: String!
}
`;
