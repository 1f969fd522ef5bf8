import { licenseApplicationsAbi } from "../artifacts/index.ts";
import { eventOf, writeContract } from "../client.ts";
import {
  type HardwareClient,
  type HardwareReader,
  type IntegrationRequirement,
  type Region,
  regionsMask,
  regionsOf,
  requirementsMask,
  requirementsOf,
} from "./addresses.ts";
import { decodedRead } from "./read.ts";

const applications = (client: HardwareReader) =>
  ({ address: client.hardware.licenseApplications, abi: licenseApplicationsAbi }) as const;

/** A maker's licence application. */
export interface LicenseApplicationInput {
  /** An identity the applicant operates; omit to have `name` minted to the applicant at approval. */
  manufacturerId?: bigint;
  /** Manufacturer name, when a new identity is to be minted. */
  name?: string;
  regions: readonly Region[];
  /** Category of the first device model. */
  categoryId: bigint;
  modelName: string;
  /** The first model's specification and test-unit details. */
  modelSpecURI: string;
  /** Business, operating history, test units, data samples or code repository and demo. */
  metadataURI: string;
}

/** Submits a licence application; returns its id. */
export async function submitLicenseApplication(client: HardwareClient, input: LicenseApplicationInput) {
  const result = await writeContract(client, {
    ...applications(client),
    functionName: "submit",
    args: [
      {
        manufacturerId: input.manufacturerId ?? 0n,
        name: input.name ?? "",
        regions: regionsMask(input.regions),
        categoryId: input.categoryId,
        modelName: input.modelName,
        modelSpecURI: input.modelSpecURI,
        metadataURI: input.metadataURI,
      },
    ],
  });
  return { ...result, applicationId: eventOf(result, "ApplicationSubmitted").args.applicationId };
}

/** The applicant replaces its metadata (answers to questions); the readout must be recorded again. */
export function amendLicenseApplication(
  client: HardwareClient,
  p: { applicationId: bigint; metadataURI: string },
) {
  return writeContract(client, {
    ...applications(client),
    functionName: "amend",
    args: [p.applicationId, p.metadataURI],
  });
}

/** [d]Integrations asks the applicant for more information. */
export function requestApplicationInformation(
  client: HardwareClient,
  p: { applicationId: bigint; questionsURI: string },
) {
  return writeContract(client, {
    ...applications(client),
    functionName: "requestInformation",
    args: [p.applicationId, p.questionsURI],
  });
}

/** [d]Integrations records the testers' readout: requirements met and its recommendation. */
export function recordApplicationReadout(
  client: HardwareClient,
  p: {
    applicationId: bigint;
    readoutURI: string;
    requirements: readonly IntegrationRequirement[];
    recommended: boolean;
  },
) {
  return writeContract(client, {
    ...applications(client),
    functionName: "recordReadout",
    args: [p.applicationId, p.readoutURI, requirementsMask(p.requirements), p.recommended],
  });
}

/**
 * The foundation issues a temporary licence (underserved category, recommended application) for
 * `term` seconds; it then backs it with `fundLicenseLoan`.
 */
export async function issueLoanLicense(client: HardwareClient, p: { applicationId: bigint; term: bigint }) {
  const result = await writeContract(client, {
    ...applications(client),
    functionName: "issueLoanLicense",
    args: [p.applicationId, p.term],
  });
  const issued = eventOf(result, "LoanLicenseIssued").args;
  return { ...result, manufacturerId: issued.manufacturerId, expiresAt: issued.expiresAt };
}

export const APPLICATION_STATUSES = [
  "none",
  "submitted",
  "reviewed",
  "approved",
  "rejected",
  "loanLicensed",
] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

/** A licence application and where it stands. */
export async function getLicenseApplication(client: HardwareReader, applicationId: bigint) {
  const a = await decodedRead(() =>
    client.publicClient.readContract({
      ...applications(client),
      functionName: "getApplication",
      args: [applicationId],
    }),
  );
  return {
    applicationId,
    applicant: a.applicant,
    status: APPLICATION_STATUSES[a.status] as ApplicationStatus,
    manufacturerId: a.manufacturerId,
    name: a.input.name,
    regions: regionsOf(a.input.regions),
    categoryId: a.input.categoryId,
    modelName: a.input.modelName,
    modelSpecURI: a.input.modelSpecURI,
    metadataURI: a.input.metadataURI,
    readoutURI: a.readoutURI,
    requirements: requirementsOf(a.requirements),
    recommended: a.recommended,
  };
}
