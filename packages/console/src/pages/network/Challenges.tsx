import { arbitrationAbi, challengeManufacturer, getChallenge } from "@dimo-open/protocol";
import { useState } from "react";
import { useConsole, useWriter } from "../../app/context.tsx";
import { hardwareOf, scanEvents } from "../../chain/network.ts";
import { formatDateTime, formatDimo, formatDuration, humanize } from "../../format.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { ActionStatus, Button, Field, Form, useAction } from "../../ui/form.tsx";
import { Badge, Card, Page, Stat, Stats, Table, type Tone } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { Account } from "../shared.tsx";

const TONE: Record<string, Tone> = { open: "info", upheld: "good", dismissed: "bad", lapsed: "neutral" };

export function NetworkChallenges() {
  const { network } = useConsole();
  const data = useAsync(async () => {
    const hw = hardwareOf(network);
    const c = { address: hw.hardware.arbitration, abi: arbitrationAbi } as const;
    const [last, bond, period, ruled] = await Promise.all([
      network.publicClient.readContract({ ...c, functionName: "lastChallengeId" }),
      network.publicClient.readContract({ ...c, functionName: "challengeBond" }),
      network.publicClient.readContract({ ...c, functionName: "rulingPeriod" }),
      scanEvents(network, { ...c, eventName: "ChallengeRuled" }),
    ]);
    const ids = Array.from({ length: Number(last) }, (_, i) => BigInt(Number(last) - i));
    const challenges = await Promise.all(ids.map((id) => getChallenge(hw, id)));
    const rulings = new Map(ruled.map((e) => [e.args.challengeId!, e.args]));
    return {
      bond,
      period,
      challenges: challenges.map((ch) => ({ ...ch, ruling: rulings.get(ch.challengeId) })),
    };
  }, [network]);
  return (
    <Page
      title="Challenges & rulings"
      subtitle="Any DIMO holder may challenge a maker or a failure report with a bond; [d]Council rules."
    >
      <Async state={data} label="Reading challenges…">
        {({ bond, period, challenges }) => (
          <>
            <Stats>
              <Stat label="Open" value={challenges.filter((c) => c.status === "open").length} />
              <Stat label="Upheld" value={challenges.filter((c) => c.status === "upheld").length} />
              <Stat label="Bond" value={formatDimo(bond)} hint="burned if dismissed" />
              <Stat label="Ruling period" value={formatDuration(period)} hint="then anyone may lapse it" />
            </Stats>
            <Card wide title="Challenges">
              {challenges.length === 0 ? (
                <Empty title="No challenges">Nobody has challenged a maker or a failure report.</Empty>
              ) : (
                <Table
                  rows={challenges}
                  rowKey={(c) => c.challengeId.toString()}
                  columns={[
                    { label: "#", render: (c) => c.challengeId.toString() },
                    {
                      label: "Against",
                      render: (c) =>
                        c.subject === "maker"
                          ? `manufacturer #${c.subjectId}`
                          : `failure report of device #${c.subjectId}`,
                    },
                    { label: "Challenger", render: (c) => <Account address={c.challenger} /> },
                    { label: "Opened", render: (c) => formatDateTime(c.openedAt) },
                    { label: "Evidence", render: (c) => <span className="mono small">{c.evidenceURI}</span> },
                    {
                      label: "Status",
                      render: (c) => <Badge tone={TONE[c.status] ?? "neutral"}>{humanize(c.status)}</Badge>,
                    },
                    {
                      label: "Ruling",
                      render: (c) =>
                        c.ruling ? (
                          <span className="small">
                            {c.ruling.burned ? `${formatDimo(c.ruling.burned)} burned` : ""}
                            {c.ruling.paidOut ? ` ${formatDimo(c.ruling.paidOut)} paid to users` : ""}
                            {!c.ruling.burned && !c.ruling.paidOut ? "no slash" : ""}{" "}
                            <span className="mono">{c.rulingURI}</span>
                          </span>
                        ) : (
                          <span className="muted">—</span>
                        ),
                    },
                  ]}
                />
              )}
            </Card>
            <ChallengeForm bond={bond} onOpened={data.reload} />
          </>
        )}
      </Async>
    </Page>
  );
}

function ChallengeForm(props: { bond: bigint; onOpened: () => void }) {
  const writer = useWriter();
  const action = useAction();
  const [maker, setMaker] = useState("");
  const [evidence, setEvidence] = useState("");
  return (
    <Card title="Challenge a maker">
      <Form
        onSubmit={() =>
          action
            .run(
              "Opening the challenge",
              () =>
                challengeManufacturer(writer!, {
                  manufacturerId: BigInt(maker),
                  evidenceURI: evidence.trim(),
                }),
              (r) => `Challenge #${r.challengeId} opened; ${formatDimo(r.bond)} bonded.`,
            )
            .then((r) => r && props.onOpened())
        }
      >
        <div className="form-row">
          <Field label="Manufacturer id">
            <input type="number" min={1} value={maker} onChange={(e) => setMaker(e.target.value)} required />
          </Field>
          <Field label="Evidence (URI)">
            <input value={evidence} onChange={(e) => setEvidence(e.target.value)} required />
          </Field>
        </div>
        <p className="muted">
          Posts a bond of {formatDimo(props.bond)}: returned if upheld or lapsed, burned if dismissed.
        </p>
        <Button submit kind="danger" disabled={!writer || action.pending}>
          Challenge
        </Button>
      </Form>
      <ActionStatus state={action.state} />
    </Card>
  );
}
