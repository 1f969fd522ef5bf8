import {
  approveApplicationCall,
  dimoGovernorAbi,
  getLicenseApplication,
  getProposal,
  licenseApplicationsAbi,
  REGIONS,
  type Region,
  submitLicenseApplication,
} from "@dimo-open/protocol";
import { useState } from "react";
import { useConsole, useWriter } from "../../app/context.tsx";
import { hardwareOf, type Network, scanEvents } from "../../chain/network.ts";
import { formatDateTime, formatDimo, humanize } from "../../format.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { ActionStatus, Button, Field, Form, useAction } from "../../ui/form.tsx";
import { Badge, Card, Grid, KeyValues, Page, type Tone } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { useWallet } from "../../wallet/WalletProvider.tsx";
import { NeedsWallet } from "../shared.tsx";
import { listCategories } from "./maker.tsx";

const STATUS_TONE: Record<string, Tone> = {
  submitted: "info",
  reviewed: "info",
  approved: "good",
  rejected: "bad",
  loanLicensed: "good",
};

/** The governance proposal (if any) to approve an application, with its vote. */
async function approvalVote(net: Network, applicationId: bigint) {
  const hw = hardwareOf(net);
  const call = approveApplicationCall(hw.hardware, applicationId);
  const created = await scanEvents(net, {
    address: hw.hardware.governor,
    abi: dimoGovernorAbi,
    eventName: "ProposalCreated",
  });
  const found = created.find((e) =>
    e.args.calldatas?.some(
      (d, i) => d === call.calldata && e.args.targets?.[i]?.toLowerCase() === call.target.toLowerCase(),
    ),
  );
  if (!found) return undefined;
  return { ...(await getProposal(hw, found.args.proposalId!)), description: found.args.description! };
}

async function myApplications(net: Network, applicant: `0x${string}`) {
  const hw = hardwareOf(net);
  const submitted = await scanEvents(net, {
    address: hw.hardware.licenseApplications,
    abi: licenseApplicationsAbi,
    eventName: "ApplicationSubmitted",
    args: { applicant },
  });
  const questions = await scanEvents(net, {
    address: hw.hardware.licenseApplications,
    abi: licenseApplicationsAbi,
    eventName: "InformationRequested",
  });
  return Promise.all(
    submitted.reverse().map(async (e) => {
      const id = e.args.applicationId!;
      const [application, vote] = await Promise.all([getLicenseApplication(hw, id), approvalVote(net, id)]);
      return {
        ...application,
        vote,
        questions: questions.filter((q) => q.args.applicationId === id).map((q) => q.args.questionsURI!),
      };
    }),
  );
}

export function MakerApplication() {
  const { network } = useConsole();
  const { account } = useWallet();
  const apps = useAsync(
    () => (account ? myApplications(network, account.address) : Promise.resolve([])),
    [network, account?.address],
  );
  return (
    <Page
      title="Licence application"
      subtitle="Apply to make devices for the network; DIMO holders vote on approval."
    >
      <NeedsWallet what="see your applications">
        <Async state={apps} label="Reading your applications and their votes…">
          {(list) => (
            <>
              {list.length === 0 ? (
                <Card>
                  <Empty title="No application yet">
                    Submit one below. [d]Integrations tests your units, then DIMO holders vote.
                  </Empty>
                </Card>
              ) : (
                list.map((a) => (
                  <Card
                    key={a.applicationId.toString()}
                    title={`Application #${a.applicationId} · ${a.name || `manufacturer #${a.manufacturerId}`}`}
                    actions={<Badge tone={STATUS_TONE[a.status] ?? "neutral"}>{humanize(a.status)}</Badge>}
                    wide
                  >
                    <Grid>
                      <KeyValues
                        items={[
                          ["Regions", a.regions.join(", ") || "—"],
                          ["First model", `${a.modelName} (category #${a.categoryId})`],
                          [
                            "Metadata",
                            <span key="m" className="mono small">
                              {a.metadataURI}
                            </span>,
                          ],
                          ["Questions asked", a.questions.length ? a.questions.join(", ") : "none"],
                          [
                            "Testers' readout",
                            a.readoutURI ? (
                              <span key="r">
                                {a.recommended ? (
                                  <Badge tone="good">recommended</Badge>
                                ) : (
                                  <Badge tone="warn">not recommended</Badge>
                                )}{" "}
                                {a.requirements.length}/7 requirements met
                              </span>
                            ) : (
                              "not recorded yet"
                            ),
                          ],
                        ]}
                      />
                      <div>
                        <h3>Vote</h3>
                        {a.vote ? (
                          <KeyValues
                            items={[
                              [
                                "State",
                                <Badge
                                  key="s"
                                  tone={
                                    a.vote.state === "executed"
                                      ? "good"
                                      : a.vote.state === "defeated"
                                        ? "bad"
                                        : "info"
                                  }
                                >
                                  {humanize(a.vote.state)}
                                </Badge>,
                              ],
                              ["For", formatDimo(a.vote.votes.for, "votes")],
                              ["Against", formatDimo(a.vote.votes.against, "votes")],
                              ["Abstain", formatDimo(a.vote.votes.abstain, "votes")],
                              ["Voting ends", formatDateTime(a.vote.deadline)],
                              ...(a.vote.eta > 0n
                                ? ([["Executable from", formatDateTime(a.vote.eta)]] as [string, string][])
                                : []),
                            ]}
                          />
                        ) : (
                          <p className="muted">
                            No approval proposal yet: governance proposes once the readout is recorded.
                          </p>
                        )}
                      </div>
                    </Grid>
                  </Card>
                ))
              )}
              <ApplyForm onSubmitted={apps.reload} />
            </>
          )}
        </Async>
      </NeedsWallet>
    </Page>
  );
}

function ApplyForm(props: { onSubmitted: () => void }) {
  const { network } = useConsole();
  const writer = useWriter();
  const action = useAction();
  const categories = useAsync(() => listCategories(network), [network]);
  const [name, setName] = useState("");
  const [regions, setRegions] = useState<Region[]>(["EU"]);
  const [category, setCategory] = useState<string>("");
  const [modelName, setModelName] = useState("");
  const [specURI, setSpecURI] = useState("");
  const [metadataURI, setMetadataURI] = useState("");
  return (
    <Card title="Apply for a licence">
      <Async state={categories}>
        {(cats) => (
          <Form
            onSubmit={() =>
              action
                .run(
                  "Submitting the application",
                  () =>
                    submitLicenseApplication(writer!, {
                      name: name.trim(),
                      regions,
                      categoryId: BigInt(category || String(cats[0]?.id ?? 1n)),
                      modelName: modelName.trim(),
                      modelSpecURI: specURI.trim(),
                      metadataURI: metadataURI.trim(),
                    }),
                  (r) => `Application #${r.applicationId} submitted.`,
                )
                .then((r) => r && props.onSubmitted())
            }
          >
            <div className="form-row">
              <Field label="Manufacturer name" hint="Minted to you at approval.">
                <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
              </Field>
              <fieldset className="checks">
                <legend>Regions</legend>
                {(Object.keys(REGIONS) as Region[]).map((r) => (
                  <label key={r}>
                    <input
                      type="checkbox"
                      checked={regions.includes(r)}
                      onChange={() =>
                        setRegions((x) => (x.includes(r) ? x.filter((y) => y !== r) : [...x, r]))
                      }
                    />{" "}
                    {r}
                  </label>
                ))}
              </fieldset>
            </div>
            <div className="form-row">
              <Field label="Device category">
                <select value={category} onChange={(e) => setCategory(e.target.value)}>
                  {cats.map((c) => (
                    <option key={c.id.toString()} value={c.id.toString()}>
                      {c.name} · {formatDimo(c.perDeviceStake)} per device
                      {c.underserved ? " · underserved" : ""}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label="First model">
                <input value={modelName} onChange={(e) => setModelName(e.target.value)} required />
              </Field>
            </div>
            <Field label="Model specification (URI)">
              <input value={specURI} onChange={(e) => setSpecURI(e.target.value)} required />
            </Field>
            <Field
              label="Application file (URI)"
              hint="Business, operating history, test units, data samples or code, demo."
            >
              <input
                type="url"
                value={metadataURI}
                onChange={(e) => setMetadataURI(e.target.value)}
                required
              />
            </Field>
            <Button submit disabled={!writer || action.pending || regions.length === 0}>
              Submit application
            </Button>
          </Form>
        )}
      </Async>
      <ActionStatus state={action.state} />
    </Card>
  );
}
