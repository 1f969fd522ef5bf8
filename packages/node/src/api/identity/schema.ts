/** DIMO's identity-api shapes (the parts this node indexes). Lists are Relay connections. */
export const IDENTITY_SDL = `
"RFC 3339 time, UTC."
scalar Time
"An EIP-55 checksummed address."
scalar Address
"A decimal number as a string (token amounts in DIMO, 18 decimals, exact)."
scalar BigDecimal

type PageInfo { startCursor: String, endCursor: String, hasPreviousPage: Boolean!, hasNextPage: Boolean! }

type Query {
  vehicle(tokenId: Int!): Vehicle!
  vehicles(first: Int, after: String, last: Int, before: String, filterBy: VehiclesFilter): VehicleConnection!
  aftermarketDevice(by: AftermarketDeviceBy!): AftermarketDevice!
  aftermarketDevices(first: Int, after: String, last: Int, before: String, filterBy: AftermarketDevicesFilter): AftermarketDeviceConnection!
  manufacturer(by: ManufacturerBy!): Manufacturer!
  manufacturers: ManufacturerConnection!
  developerLicense(by: DeveloperLicenseBy!): DeveloperLicense!
  "Rewards paid to a user (the beneficiary that received them), from DimoRewards' claims."
  rewards(user: Address!): UserRewards
  "A week of rewards as published to DimoRewards."
  rewardsWeek(week: Int!): RewardsWeek!
}

input VehiclesFilter { owner: Address, privileged: Address, make: String, model: String, year: Int, manufacturerTokenId: Int }
input AftermarketDevicesFilter { owner: Address, manufacturerId: Int }
input AftermarketDeviceBy { tokenId: Int, address: Address, serial: String }
input ManufacturerBy { name: String, tokenId: Int }
input DeveloperLicenseBy { clientId: Address, alias: String, tokenId: Int }

type Definition { id: String, make: String, model: String, year: Int }

type Vehicle {
  id: ID!
  tokenId: Int!
  tokenDID: String!
  owner: Address!
  mintedAt: Time!
  manufacturer: Manufacturer
  aftermarketDevice: AftermarketDevice
  definition: Definition
  "Grants in force (DIMO's SACDs); \`permissions\` is the 0x-hex 2-bit mask."
  sacds(first: Int, after: String, last: Int, before: String): SacdConnection!
  "One entry per privilege in force, per grantee."
  privileges(first: Int, after: String, last: Int, before: String, filterBy: PrivilegeFilterBy): PrivilegesConnection!
  "Rewards paid for this vehicle, from DimoRewards' claims."
  earnings: VehicleEarnings
}
type VehicleEdge { node: Vehicle!, cursor: String! }
type VehicleConnection { totalCount: Int!, edges: [VehicleEdge!]!, nodes: [Vehicle!]!, pageInfo: PageInfo! }

type Sacd { grantee: Address!, permissions: String!, source: String!, createdAt: Time!, expiresAt: Time!, template: String }
type SacdEdge { node: Sacd!, cursor: String! }
type SacdConnection { totalCount: Int!, edges: [SacdEdge!]!, nodes: [Sacd!]!, pageInfo: PageInfo! }

input PrivilegeFilterBy { user: Address, privilegeId: Int }
type Privilege { id: Int!, user: Address!, setAt: Time!, expiresAt: Time! }
type PrivilegeEdge { node: Privilege!, cursor: String! }
type PrivilegesConnection { totalCount: Int!, edges: [PrivilegeEdge!]!, nodes: [Privilege!]!, pageInfo: PageInfo! }

type AftermarketDevice {
  id: ID!
  tokenId: Int!
  tokenDID: String!
  manufacturer: Manufacturer
  address: Address!
  owner: Address!
  serial: String
  mintedAt: Time!
  claimedAt: Time
  pairedAt: Time
  vehicle: Vehicle
}
type AftermarketDeviceEdge { node: AftermarketDevice!, cursor: String! }
type AftermarketDeviceConnection { totalCount: Int!, edges: [AftermarketDeviceEdge!]!, nodes: [AftermarketDevice!]!, pageInfo: PageInfo! }

type Manufacturer { id: ID!, tokenId: Int!, tokenDID: String!, name: String!, owner: Address!, mintedAt: Time! }
type ManufacturerEdge { node: Manufacturer!, cursor: String! }
type ManufacturerConnection { totalCount: Int!, edges: [ManufacturerEdge!]!, nodes: [Manufacturer!]!, pageInfo: PageInfo! }

type Signer { address: Address!, expiresAt: Time, enabledAt: Time! }
type RedirectURI { uri: String! }
type DeveloperLicense {
  tokenId: Int!
  tokenDID: String!
  owner: Address!
  clientId: Address!
  alias: String
  mintedAt: Time!
  signers: [Signer!]!
  redirectURIs: [RedirectURI!]!
}

"Rewards paid (claimed) on DimoRewards; the split into streak and device tokens is not on chain, so tokens is the week's whole amount."
type Earning { week: Int!, beneficiary: Address!, vehicle: Vehicle, tokens: BigDecimal!, sentAt: Time! }
type EarningsEdge { node: Earning!, cursor: String! }
type EarningsConnection { totalCount: Int!, edges: [EarningsEdge!]!, nodes: [Earning!]!, pageInfo: PageInfo! }
type UserRewards { totalTokens: BigDecimal!, history(first: Int, after: String, last: Int, before: String): EarningsConnection! }
type VehicleEarnings { totalTokens: BigDecimal!, history(first: Int, after: String, last: Int, before: String): EarningsConnection! }
"pending until its challenge window ends (claims open then), challenged, confirmed (a challenge failed) or rejected (a challenge was upheld)."
type RewardsWeek {
  week: Int!
  root: String!
  totalTokens: BigDecimal!
  claimedTokens: BigDecimal!
  claims: Int!
  inputsHash: String!
  inputsURI: String!
  publisher: Address!
  publishedAt: Time!
  finalAt: Time!
  status: String!
}
`;
