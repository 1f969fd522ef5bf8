import { useState } from "react";
import { ActionStatus, Button, Field, Form, useAction } from "../../ui/form.tsx";
import { Card, Page } from "../../ui/layout.tsx";
import { errorMessage } from "../../ui/states.tsx";
import { type DeveloperSession, WithLicenseSession } from "./session.tsx";

const EXAMPLES = {
  identity: {
    query: `query {
  vehicles(first: 10) {
    totalCount
    nodes { tokenId owner definition { make model year } aftermarketDevice { tokenId } }
  }
}`,
    variables: "{}",
  },
  telemetry: {
    query: `query Last24h($tokenId: Int!, $from: Time!, $to: Time!) {
  signalsLatest(tokenId: $tokenId) { lastSeen speed { timestamp value } }
  signals(tokenId: $tokenId, interval: "1h", from: $from, to: $to) {
    timestamp
    speed(agg: MAX)
    powertrainTransmissionTravelledDistance(agg: LAST)
  }
}`,
    variables: JSON.stringify(
      { tokenId: 1, from: new Date(Date.now() - 86400_000).toISOString(), to: new Date().toISOString() },
      null,
      2,
    ),
  },
} as const;
type Api = keyof typeof EXAMPLES;

export function Playground() {
  return (
    <Page
      title="Query playground"
      subtitle="Run GraphQL against this node: the identity API (public) or telemetry with a vehicle token your licence exchanges."
    >
      <WithLicenseSession>{(s) => <PlaygroundView session={s} />}</WithLicenseSession>
    </Page>
  );
}

function PlaygroundView(props: { session: DeveloperSession }) {
  const { client } = props.session;
  const [api, setApi] = useState<Api>("telemetry");
  const [query, setQuery] = useState<string>(EXAMPLES.telemetry.query);
  const [variables, setVariables] = useState<string>(EXAMPLES.telemetry.variables);
  const [privileges, setPrivileges] = useState("1, 4");
  const [result, setResult] = useState<string>("");
  const action = useAction();

  const parseVariables = (): Record<string, unknown> => {
    try {
      const v = JSON.parse(variables || "{}") as unknown;
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
      return v as Record<string, unknown>;
    } catch (error) {
      throw new Error(`Variables must be a JSON object: ${errorMessage(error)}`);
    }
  };
  const vehicleToken = async (vars: Record<string, unknown>) => {
    const tokenId = vars.tokenId;
    if (typeof tokenId !== "number")
      throw new Error("Telemetry queries need a numeric `tokenId` variable (the vehicle).");
    const ids = privileges
      .split(/[,\s]+/)
      .filter(Boolean)
      .map(Number);
    return client.exchange({ tokenId, privileges: ids as never });
  };
  const run = (estimate: boolean) =>
    action.run(
      estimate ? "Estimating the cost" : "Running the query",
      async () => {
        // A failed run must not leave an earlier answer (another vehicle's data, or data since refused) on show.
        setResult("");
        const vars = parseVariables();
        const started = performance.now();
        const out =
          api === "identity"
            ? await client.identity(query, vars)
            : estimate
              ? await client.estimateCost(await vehicleToken(vars), query, vars)
              : await client.telemetry(await vehicleToken(vars), query, vars);
        setResult(JSON.stringify(out, null, 2));
        return { ms: performance.now() - started };
      },
      (r) => `Answered in ${Math.round(r.ms)} ms.`,
    );

  return (
    <div className="playground">
      <Card title="Query">
        <Form onSubmit={() => run(false)}>
          <div className="form-row">
            <Field label="API">
              <select
                value={api}
                onChange={(e) => {
                  const a = e.target.value as Api;
                  setApi(a);
                  setQuery(EXAMPLES[a].query);
                  setVariables(EXAMPLES[a].variables);
                }}
              >
                <option value="telemetry">Telemetry (vehicle token)</option>
                <option value="identity">Identity (public)</option>
              </select>
            </Field>
            {api === "telemetry" && (
              <Field label="Privileges to exchange for" hint="Ids, e.g. 1 (history), 4 (location history).">
                <input value={privileges} onChange={(e) => setPrivileges(e.target.value)} />
              </Field>
            )}
          </div>
          <Field label="GraphQL">
            <textarea
              className="code"
              rows={12}
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              spellCheck={false}
            />
          </Field>
          <Field label="Variables (JSON)">
            <textarea
              className="code"
              rows={5}
              value={variables}
              onChange={(e) => setVariables(e.target.value)}
              spellCheck={false}
            />
          </Field>
          <div className="button-row">
            <Button submit disabled={action.pending}>
              Run
            </Button>
            {api === "telemetry" && (
              <Button kind="secondary" disabled={action.pending} onClick={() => run(true)}>
                Estimate cost
              </Button>
            )}
          </div>
        </Form>
        <ActionStatus state={action.state} />
      </Card>
      <Card title="Answer">
        {result ? (
          <pre className="code result">{result}</pre>
        ) : (
          <p className="muted">Run a query to see the node's answer.</p>
        )}
      </Card>
    </div>
  );
}
