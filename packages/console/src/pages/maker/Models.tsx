import {
  ALL_INTEGRATION_REQUIREMENTS,
  type IntegrationRequirement,
  submitDeviceModel,
} from "@dimo-open/protocol";
import { useState } from "react";
import { useConsole, useWriter } from "../../app/context.tsx";
import { humanize } from "../../format.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { ActionStatus, Button, Field, Form, useAction } from "../../ui/form.tsx";
import { Badge, Card, Page, Table, type Tone } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { listCategories, listModels, WithManufacturer } from "./maker.tsx";

const TONE: Record<string, Tone> = { certified: "good", pending: "info", rejected: "bad" };

/** The seven integration requirements as seed 004 names them. */
const REQUIREMENT_LABELS: Record<IntegrationRequirement, string> = {
  secureElement: "Secure element",
  streamingInterface: "Streaming interface",
  bluetooth: "Bluetooth pairing",
  powerManagement: "Power management",
  dbcLoggerConfiguration: "DBC logger configuration",
  secureRuntime: "Secure runtime",
  ota: "OTA updates",
};

export function MakerModels() {
  return (
    <Page
      title="Certification"
      subtitle="Each model's record: which of the seven integration requirements the testers confirmed."
    >
      <WithManufacturer>{(m) => <ModelsView manufacturerId={m.tokenId} />}</WithManufacturer>
    </Page>
  );
}

function ModelsView(props: { manufacturerId: bigint }) {
  const { network } = useConsole();
  const models = useAsync(() => listModels(network, props.manufacturerId), [network, props.manufacturerId]);
  return (
    <>
      <Card title="Device models" wide>
        <Async state={models} label="Reading your models…">
          {(list) =>
            list.length === 0 ? (
              <Empty title="No models">
                Your licence application's first model appears here once approved; submit more below.
              </Empty>
            ) : (
              <Table
                rows={list}
                rowKey={(m) => m.modelId.toString()}
                columns={[
                  {
                    label: "Model",
                    render: (m) => (
                      <>
                        <strong>{m.name}</strong> <span className="muted">#{m.modelId.toString()}</span>
                      </>
                    ),
                  },
                  {
                    label: "Status",
                    render: (m) => (
                      <>
                        <Badge tone={TONE[m.status] ?? "neutral"}>
                          {m.fullyCertified ? "fully certified" : humanize(m.status)}
                        </Badge>{" "}
                        {m.banned && <Badge tone="bad">banned</Badge>}
                      </>
                    ),
                  },
                  {
                    label: "Requirements",
                    render: (m) => (
                      <ul className="requirements">
                        {ALL_INTEGRATION_REQUIREMENTS.map((r) => (
                          <li key={r} className={m.requirements.includes(r) ? "met" : "unmet"}>
                            {m.requirements.includes(r) ? "✓" : "✗"} {REQUIREMENT_LABELS[r]}
                          </li>
                        ))}
                      </ul>
                    ),
                  },
                  {
                    label: "Testers' results",
                    render: (m) =>
                      m.resultsURI ? (
                        <span className="mono small">{m.resultsURI}</span>
                      ) : (
                        <span className="muted">not tested yet</span>
                      ),
                  },
                ]}
              />
            )
          }
        </Async>
      </Card>
      <SubmitModel manufacturerId={props.manufacturerId} onSubmitted={models.reload} />
    </>
  );
}

function SubmitModel(props: { manufacturerId: bigint; onSubmitted: () => void }) {
  const { network } = useConsole();
  const writer = useWriter();
  const action = useAction();
  const categories = useAsync(() => listCategories(network), [network]);
  const [name, setName] = useState("");
  const [category, setCategory] = useState("");
  const [specURI, setSpecURI] = useState("");
  return (
    <Card
      title="Submit a new model"
      actions={<span className="muted small">simplified application: no vote</span>}
    >
      <Async state={categories}>
        {(cats) => (
          <Form
            onSubmit={() =>
              action
                .run(
                  "Submitting the model",
                  () =>
                    submitDeviceModel(writer!, {
                      manufacturerId: props.manufacturerId,
                      categoryId: BigInt(category || String(cats[0]?.id ?? 1n)),
                      name: name.trim(),
                      specURI: specURI.trim(),
                    }),
                  (r) => `Model #${r.modelId} submitted for testing.`,
                )
                .then((r) => r && props.onSubmitted())
            }
          >
            <div className="form-row">
              <Field label="Name">
                <input value={name} onChange={(e) => setName(e.target.value)} required />
              </Field>
              <Field label="Category">
                <select value={category} onChange={(e) => setCategory(e.target.value)}>
                  {cats.map((c) => (
                    <option key={c.id.toString()} value={c.id.toString()}>
                      {c.name}
                    </option>
                  ))}
                </select>
              </Field>
            </div>
            <Field label="Specification (URI)">
              <input value={specURI} onChange={(e) => setSpecURI(e.target.value)} required />
            </Field>
            <Button submit disabled={!writer || action.pending}>
              Submit
            </Button>
          </Form>
        )}
      </Async>
      <ActionStatus state={action.state} />
    </Card>
  );
}
