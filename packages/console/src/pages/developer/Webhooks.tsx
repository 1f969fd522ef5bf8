import type { Webhook } from "@dimo-open/sdk";
import { EVENTS, SIGNALS } from "@dimo-open/signals";
import { useState } from "react";
import { formatDateTime } from "../../format.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { ActionStatus, Button, Field, Form, useAction } from "../../ui/form.tsx";
import { Badge, Card, Page, Table } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { type DeveloperSession, WithLicenseSession } from "./session.tsx";

export function Webhooks() {
  return (
    <Page
      title="Webhooks"
      subtitle="Vehicle triggers: the node calls your URL when a condition on a signal or event holds."
    >
      <WithLicenseSession>{(s) => <WebhooksView session={s} />}</WithLicenseSession>
    </Page>
  );
}

function WebhooksView(props: { session: DeveloperSession }) {
  const { client } = props.session;
  const hooks = useAsync(() => client.listWebhooks(), [client]);
  const action = useAction();
  const [secret, setSecret] = useState<string>();
  const act = <T,>(label: string, f: () => Promise<T>) =>
    action.run(label, f).then((r) => r && hooks.reload());
  return (
    <>
      <Card title="Your webhooks" wide>
        <Async state={hooks} label="Reading webhooks…">
          {(list) =>
            list.length === 0 ? (
              <Empty title="No webhooks">
                Create one below; the node checks your URL answers its verification token.
              </Empty>
            ) : (
              <Table
                rows={list}
                rowKey={(w) => w.id}
                columns={[
                  {
                    label: "Name",
                    render: (w) => (
                      <>
                        <strong>{w.displayName || w.id}</strong>
                        <br />
                        <span className="small muted">created {formatDateTime(w.createdAt)}</span>
                      </>
                    ),
                  },
                  {
                    label: "When",
                    render: (w) => <span className="mono small">{`${w.metricName}: ${w.condition}`}</span>,
                  },
                  { label: "Target", render: (w) => <span className="mono small">{w.targetURL}</span> },
                  { label: "Status", render: (w) => <StatusBadge w={w} /> },
                  {
                    label: "Vehicles",
                    render: (w) => (
                      <Subscriptions session={props.session} webhook={w} onChange={hooks.reload} />
                    ),
                  },
                  {
                    label: "",
                    align: "right",
                    render: (w) => (
                      <div className="button-row">
                        <Button
                          kind="secondary"
                          disabled={action.pending}
                          onClick={() =>
                            act("Updating the webhook", () =>
                              client.updateWebhook(w.id, {
                                status: w.status === "enabled" ? "disabled" : "enabled",
                              }),
                            )
                          }
                        >
                          {w.status === "enabled" ? "Disable" : "Enable"}
                        </Button>
                        <Button
                          kind="danger"
                          disabled={action.pending}
                          onClick={() => act("Deleting the webhook", () => client.deleteWebhook(w.id))}
                        >
                          Delete
                        </Button>
                      </div>
                    ),
                  },
                ]}
              />
            )
          }
        </Async>
        <ActionStatus state={action.state} />
      </Card>
      <CreateWebhook
        session={props.session}
        onCreated={(s) => {
          setSecret(s);
          hooks.reload();
        }}
      />
      {secret && (
        <Card title="Signing secret (shown once)">
          <p>
            Deliveries carry <span className="mono">X-DIMO-Signature</span>, an HMAC-SHA256 with this secret.
            Store it now:
          </p>
          <pre className="code">{secret}</pre>
        </Card>
      )}
    </>
  );
}

function StatusBadge(props: { w: Webhook }) {
  const { w } = props;
  if (w.status === "enabled") return <Badge tone="good">enabled</Badge>;
  if (w.status === "failed") return <Badge tone="bad">failed ×{w.failureCount}</Badge>;
  return <Badge>disabled</Badge>;
}

function Subscriptions(props: { session: DeveloperSession; webhook: Webhook; onChange: () => void }) {
  const { client } = props.session;
  const subs = useAsync(() => client.subscribedVehicles(props.webhook.id), [client, props.webhook.id]);
  const action = useAction();
  const [vehicle, setVehicle] = useState("");
  return (
    <div>
      <Async state={subs}>
        {(list) => (
          <span className="small">
            {list.length === 0 ? "none" : list.map((d) => `#${d.split(":").at(-1)}`).join(", ")}
          </span>
        )}
      </Async>
      <Form
        inline
        onSubmit={() =>
          action
            .run(`Subscribing vehicle ${vehicle}`, () =>
              client.subscribeVehicle(props.webhook.id, vehicle.trim()),
            )
            .then((r) => {
              if (r) {
                setVehicle("");
                subs.reload();
              }
            })
        }
      >
        <input
          aria-label="Vehicle token id"
          className="narrow"
          value={vehicle}
          onChange={(e) => setVehicle(e.target.value)}
          placeholder="token id"
          required
        />
        <Button submit kind="secondary" disabled={action.pending}>
          Add
        </Button>
      </Form>
      <ActionStatus state={action.state} />
    </div>
  );
}

function CreateWebhook(props: { session: DeveloperSession; onCreated: (secret: string) => void }) {
  const { client } = props.session;
  const action = useAction();
  const [service, setService] = useState<"signals" | "events">("signals");
  const [metricName, setMetricName] = useState("speed");
  const [condition, setCondition] = useState("value > 120");
  const [coolDown, setCoolDown] = useState(60);
  const [targetURL, setTargetURL] = useState("https://");
  const [token, setToken] = useState<string>(() => crypto.randomUUID());
  const [displayName, setDisplayName] = useState("Speeding");
  const names = service === "signals" ? SIGNALS.map((s) => s.name) : EVENTS.map((e) => e.name);
  return (
    <Card title="Create a webhook">
      <Form
        onSubmit={() =>
          action
            .run("Creating the webhook", () =>
              client.createWebhook({
                service,
                metricName,
                condition,
                coolDownPeriod: coolDown,
                targetURL,
                verificationToken: token,
                displayName,
              }),
            )
            .then((r) => r && props.onCreated(r.secret))
        }
      >
        <div className="form-row">
          <Field label="Name">
            <input value={displayName} onChange={(e) => setDisplayName(e.target.value)} required />
          </Field>
          <Field label="On">
            <select value={service} onChange={(e) => setService(e.target.value as "signals" | "events")}>
              <option value="signals">a signal</option>
              <option value="events">an event</option>
            </select>
          </Field>
          <Field label={service === "signals" ? "Signal" : "Event"}>
            <input
              list="webhook-names"
              value={metricName}
              onChange={(e) => setMetricName(e.target.value)}
              required
            />
            <datalist id="webhook-names">
              {names.map((n) => (
                <option key={n} value={n} />
              ))}
            </datalist>
          </Field>
        </div>
        <Field
          label="Condition (CEL)"
          hint="Over value, previousValue, source; geoDistance(lat1, lon1, lat2, lon2) in km."
        >
          <input className="mono" value={condition} onChange={(e) => setCondition(e.target.value)} required />
        </Field>
        <div className="form-row">
          <Field label="Cool-down (s)">
            <input
              type="number"
              min={0}
              max={86400}
              value={coolDown}
              onChange={(e) => setCoolDown(Number(e.target.value))}
            />
          </Field>
          <Field label="Target URL" hint="Must answer the verification token with 2xx.">
            <input type="url" value={targetURL} onChange={(e) => setTargetURL(e.target.value)} required />
          </Field>
          <Field label="Verification token">
            <input className="mono" value={token} onChange={(e) => setToken(e.target.value)} required />
          </Field>
        </div>
        <Button submit disabled={action.pending}>
          Create
        </Button>
      </Form>
      <ActionStatus state={action.state} />
    </Card>
  );
}
