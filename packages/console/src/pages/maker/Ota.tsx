import { useState } from "react";
import type { Hex } from "viem";
import { useConsole } from "../../app/context.tsx";
import { type FirmwareManifest, firmwareTypedData, imageSha256 } from "../../data/firmware.ts";
import { formatNumber } from "../../format.ts";
import { useAsync } from "../../ui/async.tsx";
import { ActionStatus, Button, Field, Form, useAction } from "../../ui/form.tsx";
import { Card, Grid, KeyValues, Page } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { useWallet } from "../../wallet/WalletProvider.tsx";
import { NeedsWallet } from "../shared.tsx";

export function MakerOta() {
  const { node } = useConsole();
  const info = useAsync(() => node.info(), [node]);
  const firmwareService = info.data && "firmware" in (info.data as object);
  return (
    <Page
      title="OTA releases"
      subtitle="Sign firmware releases with your maker key; devices install only images whose manifest your pinned key signed."
    >
      <NeedsWallet what="sign releases">
        <Grid>
          <SignRelease />
          <Card title="Rollouts">
            {firmwareService ? (
              <p>This node distributes firmware; publish the signed manifest there.</p>
            ) : (
              <Empty title="This node does not distribute firmware">
                Its discovery document (/v1/node) lists no firmware service, so rollouts cannot be tracked
                here yet. Serve the signed manifest and image from your update server: each device checks the
                signature, the rollout group, the hardware and the anti-rollback floor before installing into
                its inactive slot, and rolls back if the new image fails its health check.
              </Empty>
            )}
          </Card>
        </Grid>
      </NeedsWallet>
    </Page>
  );
}

function SignRelease() {
  const { walletClient } = useWallet();
  const action = useAction();
  const [image, setImage] = useState<{ name: string; sha256: Hex; size: number }>();
  const [m, setM] = useState({
    name: "dimo-agent",
    version: "1.0.0",
    minimumVersion: "1.0.0",
    rolloutGroup: "stable",
    hardware: "",
  });
  const [signed, setSigned] = useState<string>();
  const set = (k: keyof typeof m) => (e: { target: { value: string } }) =>
    setM((x) => ({ ...x, [k]: e.target.value }));
  return (
    <Card title="Sign a release">
      <Form
        onSubmit={() =>
          action.run("Signing the manifest", async () => {
            if (!image) throw new Error("Choose the firmware image first.");
            const manifest: FirmwareManifest = { ...m, imageSha256: image.sha256, imageSize: image.size };
            const signature = await walletClient!.signTypedData({
              account: walletClient!.account,
              ...firmwareTypedData(manifest),
            });
            setSigned(JSON.stringify({ manifest, signature }, null, 2));
          })
        }
      >
        <Field label="Firmware image" hint="Hashed here (SHA-256); the file is not uploaded anywhere.">
          <input
            type="file"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              setSigned(undefined);
              if (!file) return setImage(undefined);
              setImage({
                name: file.name,
                sha256: await imageSha256(await file.arrayBuffer()),
                size: file.size,
              });
            }}
          />
        </Field>
        {image && (
          <KeyValues
            items={[
              [
                "SHA-256",
                <span key="h" className="mono small">
                  {image.sha256}
                </span>,
              ],
              ["Size", `${formatNumber(image.size)} bytes`],
            ]}
          />
        )}
        <div className="form-row">
          <Field label="Name">
            <input value={m.name} onChange={set("name")} required maxLength={64} />
          </Field>
          <Field label="Hardware (board)">
            <input
              value={m.hardware}
              onChange={set("hardware")}
              required
              maxLength={64}
              placeholder="dimo-ref-1"
            />
          </Field>
        </div>
        <div className="form-row">
          <Field label="Version">
            <input value={m.version} onChange={set("version")} required pattern="\d+\.\d+\.\d+" />
          </Field>
          <Field label="Anti-rollback floor" hint="Devices never go below this once confirmed.">
            <input
              value={m.minimumVersion}
              onChange={set("minimumVersion")}
              required
              pattern="\d+\.\d+\.\d+"
            />
          </Field>
          <Field label="Rollout group" hint="canary, beta, stable… or * for all.">
            <input value={m.rolloutGroup} onChange={set("rolloutGroup")} required maxLength={64} />
          </Field>
        </div>
        <Button submit disabled={!walletClient || action.pending}>
          Sign release
        </Button>
      </Form>
      <ActionStatus state={action.state} />
      {signed && (
        <>
          <pre className="code result">{signed}</pre>
          <a
            className="button secondary"
            download={`${m.name}-${m.version}.manifest.json`}
            href={`data:application/json,${encodeURIComponent(signed)}`}
          >
            Download signed manifest
          </a>
        </>
      )}
    </Card>
  );
}
