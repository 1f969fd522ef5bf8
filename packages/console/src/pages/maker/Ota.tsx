import { DimoApiError } from "@dimo-open/sdk";
import { useMemo, useState } from "react";
import type { Hex } from "viem";
import { useConsole } from "../../app/context.tsx";
import {
  type FirmwareManifest,
  firmwareManifestTypedData,
  firmwareRolloutTypedData,
  imageSha256,
} from "../../data/firmware.ts";
import { formatBps, formatDateTime, formatNumber } from "../../format.ts";
import { type FirmwareRelease, FirmwareService } from "../../node/firmware.ts";
import { Async, useAsync } from "../../ui/async.tsx";
import { ActionStatus, Button, Field, Form, useAction } from "../../ui/form.tsx";
import { Badge, Card, KeyValues, Page, Table } from "../../ui/layout.tsx";
import { Empty } from "../../ui/states.tsx";
import { useWallet } from "../../wallet/WalletProvider.tsx";
import { WithManufacturer } from "./maker.tsx";

export function MakerOta() {
  return (
    <Page
      title="OTA releases"
      subtitle="Sign firmware releases with your maker key, publish them to the node and roll them out in stages; devices install only what your key signed."
    >
      <WithManufacturer>{(m) => <OtaView manufacturerId={m.tokenId} />}</WithManufacturer>
    </Page>
  );
}

function useFirmware() {
  const { node } = useConsole();
  return useMemo(() => new FirmwareService(node.nodeUrl), [node]);
}

/** Releases this browser published, for nodes that cannot list a maker's releases. */
function knownReleases(key: string): Hex[] {
  try {
    return JSON.parse(localStorage.getItem(key) ?? "[]") as Hex[];
  } catch {
    return [];
  }
}

function rememberRelease(key: string, id: Hex): void {
  localStorage.setItem(key, JSON.stringify([...new Set([id, ...knownReleases(key)])].slice(0, 100)));
}

function useReleasesKey(manufacturerId: bigint): string {
  const { network } = useConsole();
  return `dimo-console.releases.${network.config.chainId}.${manufacturerId}`;
}

function OtaView(props: { manufacturerId: bigint }) {
  const firmware = useFirmware();
  const key = useReleasesKey(props.manufacturerId);
  const releases = useAsync(async () => {
    try {
      return { list: await firmware.list(props.manufacturerId), complete: true };
    } catch (error) {
      // A node without the listing route still serves each release by id.
      if (!(error instanceof DimoApiError && error.status === 404)) throw error;
      const found = await Promise.all(
        knownReleases(key).map((id) => firmware.get(id).catch(() => undefined)),
      );
      return { list: found.filter((r) => r !== undefined), complete: false };
    }
  }, [firmware, props.manufacturerId, key]);
  return (
    <>
      <Card
        title="Releases"
        wide
        actions={
          releases.data && !releases.data.complete ? (
            <span className="muted small">
              this node cannot list releases: showing those published from this browser
            </span>
          ) : undefined
        }
      >
        <Async state={releases} label="Reading your releases at this node…">
          {({ list }) =>
            list.length === 0 ? (
              <Empty title="No releases">
                Sign and publish one below; devices ask the node for updates and get it as you roll it out.
              </Empty>
            ) : (
              <Table
                rows={list}
                rowKey={(r) => r.id}
                columns={[
                  {
                    label: "Release",
                    render: (r) => (
                      <>
                        <strong>
                          {r.manifest.name} {r.manifest.version}
                        </strong>
                        <br />
                        <span className="small muted">
                          {r.manifest.hardware} · group {r.manifest.rolloutGroup} · floor{" "}
                          {r.manifest.minimumVersion}
                        </span>
                      </>
                    ),
                  },
                  {
                    label: "Image",
                    render: (r) =>
                      r.status === "ready" ? (
                        <Badge tone="good">uploaded</Badge>
                      ) : (
                        <Badge tone="warn">awaiting image</Badge>
                      ),
                  },
                  {
                    label: "Rollout",
                    render: (r) =>
                      r.halted ? (
                        <Badge tone="bad">halted</Badge>
                      ) : r.basisPoints === 0 ? (
                        <Badge>not started</Badge>
                      ) : (
                        <Badge tone="info">{formatBps(r.basisPoints)} of devices</Badge>
                      ),
                  },
                  { label: "Published", render: (r) => formatDateTime(new Date(r.createdAt)) },
                  {
                    label: "",
                    align: "right",
                    render: (r) => <RolloutControl release={r} onChange={releases.reload} />,
                  },
                ]}
              />
            )
          }
        </Async>
      </Card>
      <PublishRelease manufacturerId={props.manufacturerId} onPublished={releases.reload} />
    </>
  );
}

const STAGES = [100, 1000, 5000, 10_000];

function RolloutControl(props: { release: FirmwareRelease; onChange: () => void }) {
  const firmware = useFirmware();
  const { walletClient } = useWallet();
  const action = useAction();
  const r = props.release;
  const order = (basisPoints: number, halted: boolean) =>
    action
      .run(halted ? "Halting the rollout" : `Rolling out to ${formatBps(basisPoints)}`, async () => {
        const o = {
          name: r.manifest.name,
          version: r.manifest.version,
          hardware: r.manifest.hardware,
          basisPoints,
          halted,
          issuedAt: Math.floor(Date.now() / 1000),
        };
        const signature = await walletClient!.signTypedData({
          account: walletClient!.account,
          ...firmwareRolloutTypedData(o),
        });
        return firmware.rollout(r.id, { order: o, signature });
      })
      .then((x) => x && props.onChange());
  const next = STAGES.find((s) => s > r.basisPoints);
  return (
    <div>
      <div className="button-row">
        {r.status === "ready" && next !== undefined && !r.halted && (
          <Button disabled={!walletClient || action.pending} onClick={() => order(next, false)}>
            Widen to {formatBps(next)}
          </Button>
        )}
        {r.halted ? (
          <Button
            kind="secondary"
            disabled={!walletClient || action.pending || r.status !== "ready"}
            onClick={() => order(r.basisPoints || STAGES[0]!, false)}
          >
            Resume
          </Button>
        ) : (
          r.basisPoints > 0 && (
            <Button
              kind="danger"
              disabled={!walletClient || action.pending}
              onClick={() => order(r.basisPoints, true)}
            >
              Halt
            </Button>
          )
        )}
      </div>
      <ActionStatus state={action.state} />
    </div>
  );
}

function PublishRelease(props: { manufacturerId: bigint; onPublished: () => void }) {
  const firmware = useFirmware();
  const key = useReleasesKey(props.manufacturerId);
  const { walletClient } = useWallet();
  const action = useAction();
  const [image, setImage] = useState<{ file: File; sha256: Hex }>();
  const [m, setM] = useState({
    name: "dimo-agent",
    version: "1.0.0",
    minimumVersion: "1.0.0",
    rolloutGroup: "stable",
    hardware: "",
  });
  const set = (k: keyof typeof m) => (e: { target: { value: string } }) =>
    setM((x) => ({ ...x, [k]: e.target.value }));
  return (
    <Card title="Sign and publish a release">
      <Form
        onSubmit={() =>
          action
            .run(
              "Signing and publishing",
              async () => {
                if (!image) throw new Error("Choose the firmware image first.");
                const manifest: FirmwareManifest = {
                  ...m,
                  imageSha256: image.sha256,
                  imageSize: image.file.size,
                };
                const signature = await walletClient!.signTypedData({
                  account: walletClient!.account,
                  ...firmwareManifestTypedData(manifest),
                });
                const release = await firmware.publish({
                  manufacturerId: props.manufacturerId,
                  manifest,
                  signature,
                });
                rememberRelease(key, release.id);
                return firmware.uploadImage(release.id, image.file);
              },
              (r) =>
                `Published ${r.manifest.name} ${r.manifest.version}; image ${r.status === "ready" ? "uploaded" : "pending"}. Roll it out from the list.`,
            )
            .then((r) => r && props.onPublished())
        }
      >
        <Field
          label="Firmware image"
          hint="Hashed here (SHA-256) and uploaded to the node after the manifest."
        >
          <input
            type="file"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              setImage(file ? { file, sha256: await imageSha256(await file.arrayBuffer()) } : undefined);
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
              ["Size", `${formatNumber(image.file.size)} bytes`],
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
          Sign and publish
        </Button>
      </Form>
      <ActionStatus state={action.state} />
    </Card>
  );
}
