/**
 * The console in a real browser against a real devnet: Debian's Chromium driven by playwright-core,
 * the stack `dimo devnet` runs (chain, node, two simulated vehicles streaming signed data) started
 * here on free ports, and the console built from its sources into a temporary directory. Each role
 * acts through the pages a person uses, with the built-in demo wallet; what the pages say is then
 * checked against the chain and the node. Screenshots of the main pages land in
 * test-artifacts/console/ at the repository's root (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type DevnetStack, demoAccounts, startDevnetStack } from "@dimo-open/cli";
import { deviceIdByAddress, getDevice, getGrant, getGrantedPrivileges } from "@dimo-open/protocol";
import { DimoApiError, DimoClient } from "@dimo-open/sdk";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { type Address, getAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConsole } from "../../build.ts";
import { CHROMIUM, CHROMIUM_ARGS } from "../../scripts/chromium.ts";

const ARTIFACTS = resolve(import.meta.dirname, "../../../../test-artifacts/console");
/** How long one step may wait for the page (a transaction, a sign-in, a node read) on a busy 2-core machine. */
const STEP_MS = 45_000;

const accounts = demoAccounts();
const dirs: string[] = [];
let stack: DevnetStack;
let browser: Browser;
let consoleUrl: string;

/** A port nothing listens on now: the demo app's redirect URIs must name the console's real origin. */
const freePort = () =>
  new Promise<number>((done) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });

/** What the developer asks in the playground: when the vehicle was last heard from, and where it is. */
const LATEST_QUERY = `query Latest($tokenId: Int!) {
  signalsLatest(tokenId: $tokenId) {
    lastSeen
    currentLocationCoordinates { timestamp value { latitude longitude } }
  }
}`;
interface LatestAnswer {
  lastSeen: string;
  currentLocationCoordinates: { timestamp: string; value: { latitude: number; longitude: number } };
}

/** The demo developer's SDK client, signed in with the demo licence straight at the node. */
async function demoApp(): Promise<DimoClient> {
  const sdk = new DimoClient({ baseUrl: stack.node.apiUrl });
  await sdk.signIn({
    clientId: stack.record.developer.clientId,
    domain: stack.record.developer.redirectUris[0]!,
    signer: accounts.developer,
  });
  return sdk;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `No Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y --no-install-recommends chromium) or set CHROMIUM to a Chromium binary.`,
    );
  mkdirSync(ARTIFACTS, { recursive: true });
  const dist = mkdtempSync(join(tmpdir(), "dimo-console-e2e-dist-"));
  const dataDir = mkdtempSync(join(tmpdir(), "dimo-console-e2e-"));
  dirs.push(dist, dataDir);
  // Built once for the file, from the sources under test (not a dist/ another run left behind).
  await buildConsole({ outDir: dist });
  stack = await startDevnetStack({
    dataDir,
    ports: { chain: 0, api: 0, ingest: 0, mqtt: false, console: await freePort() },
    vehicles: 2,
    fleet: { eventIntervalMs: 1000 },
    console: { dir: dist },
    logLevel: "warn",
  });
  consoleUrl = stack.consoleUrl!;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });

  // The flows below read the fleet's data: wait until the node has heard from every vehicle's device
  // (asked of the public performance figures, so that no app's read lands in an owner's access log).
  const heardFrom = `${stack.node.apiUrl}/v1/device-performance/manufacturers/${stack.record.maker.manufacturerId}`;
  const deadline = Date.now() + 60_000;
  while (
    ((await (await fetch(heardFrom)).json()) as { devices: number }).devices <
    stack.record.fleet.vehicles.length
  ) {
    if (Date.now() > deadline) throw new Error("the fleet's devices sent no data to the node within 60 s");
    await new Promise((r) => setTimeout(r, 250));
  }
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  console.log(`console e2e screenshots: ${ARTIFACTS}`);
});

/** A browser context per role (its own storage, so its own wallet account), with uncaught errors kept. */
async function openAs(role: "alice" | "bob" | "developer" | "maker"): Promise<{
  page: Page;
  context: BrowserContext;
  errors: string[];
}> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  context.setDefaultTimeout(STEP_MS);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(consoleUrl);
  // The built-in demo wallet: pick the role's account in the top bar.
  await page.getByLabel("Account", { exact: true }).selectOption(accounts[role].address);
  return { page, context, errors };
}

async function go(page: Page, path: string, heading: string | RegExp): Promise<void> {
  await page.goto(`${consoleUrl}/#${path}`);
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
}

/** Waits for no loading state to be left, then saves the whole page as test-artifacts/console/<name>.png. */
async function screenshot(page: Page, name: string): Promise<void> {
  await page.waitForFunction("document.querySelectorAll('.state-loading, .spinner').length === 0");
  // A viewport as tall as the page (rather than a full-page capture) keeps the sticky sidebar in place.
  const height = (await page.evaluate("document.documentElement.scrollHeight")) as number;
  await page.setViewportSize({ width: 1360, height: Math.max(900, height) });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  await page.setViewportSize({ width: 1360, height: 900 });
}

/** The action status a form shows once its action is done (or the error it shows instead). */
async function actionDone(scope: Page | Locator, text: string | RegExp): Promise<void> {
  const done = scope.getByRole("status").filter({ hasText: text });
  const failed = scope.getByRole("alert");
  await done.or(failed).first().waitFor();
  if (await failed.isVisible()) throw new Error(`the page reports: ${await failed.first().innerText()}`);
}

/** How the console names a vehicle of the demo fleet ("2019 Toyota Prius"). */
const vehicleOf = (owner: "alice" | "bob") => {
  const v = stack.record.fleet.vehicles.find((x) => x.owner === owner)!;
  return { id: BigInt(v.vehicleId), name: `${v.year} ${v.make} ${v.model}` };
};

/** The grant table's row for the demo app on an owner's vehicle page. */
const demoAppRow = (page: Page) => page.getByRole("row").filter({ hasText: stack.record.developer.alias });

/** Shares the vehicle with the demo app from the owner's form: exactly these privileges, for this period. */
async function share(page: Page, privileges: string[], period: string): Promise<void> {
  const form = page
    .locator(".card")
    .filter({ has: page.getByRole("heading", { name: "Share with an app" }) });
  await form.getByLabel(/^App/).fill(stack.record.developer.alias);
  const boxes = form.getByRole("checkbox");
  for (let i = 0; i < (await boxes.count()); i++) {
    const box = boxes.nth(i);
    const name = (await box.locator("xpath=..").innerText()).trim();
    if (privileges.includes(name)) await box.check();
    else await box.uncheck();
  }
  await form.getByLabel(/^For/).selectOption({ label: period });
  await form.getByRole("button", { name: "Share", exact: true }).click();
  await actionDone(form, "Sharing: done");
}

async function revokeDemoApp(page: Page): Promise<void> {
  await demoAppRow(page).getByRole("button", { name: "Revoke" }).click();
  const card = page.locator(".card").filter({ has: page.getByRole("heading", { name: "Shared with" }) });
  await actionDone(card, /^Revoking .*: done/);
  // The vehicle page reads grants from the node's chain index, which follows the block a moment later.
  await card.getByText("Not shared").waitFor();
}

describe("the console in Chromium against a devnet", () => {
  it("an owner shares a vehicle with an app for a period and revokes it; the chain follows", async () => {
    const { page, context, errors } = await openAs("alice");
    const { id: vehicleId, name } = vehicleOf("alice");
    const grantee = stack.record.developer.clientId as Address;
    const onChain = () => getGrantedPrivileges(stack.chain.admin, { tokenId: vehicleId, grantee });

    await go(page, "/owner/vehicles", "My vehicles");
    const row = page.getByRole("row").filter({ hasText: `#${vehicleId}` });
    await row.getByText("1 app").waitFor();
    await screenshot(page, "owner-vehicles");
    await row.getByRole("link").click();
    await page.getByRole("heading", { level: 1, name }).waitFor();
    await screenshot(page, "owner-vehicle");

    // The devnet's setup shared it with the demo app; revoke that first so the share below is the console's own.
    expect(await onChain()).toEqual([1, 2, 4, 8]);
    await demoAppRow(page).getByText("Send commands").waitFor();
    await revokeDemoApp(page);
    expect(await onChain()).toEqual([]);

    await share(
      page,
      ["Read history except location", "Read current location", "Read location history"],
      "7 days",
    );
    const shared = demoAppRow(page);
    await shared.getByText("Read current location").waitFor();
    await shared.getByText("Read location history").waitFor();
    expect(await shared.getByText("Read history except location").count()).toBe(1);
    expect(await shared.getByText("Send commands").count()).toBe(0);
    const grant = await getGrant(stack.chain.admin, { tokenId: vehicleId, grantee });
    expect(grant).toMatchObject({ privileges: [1, 3, 4], inForce: true });
    const block = await stack.chain.admin.publicClient.getBlock();
    const seconds = Number(grant.expiration - block.timestamp);
    expect(seconds).toBeGreaterThan(7 * 86400 - 3600);
    expect(seconds).toBeLessThanOrEqual(7 * 86400 + 3600);
    await screenshot(page, "owner-vehicle-grants");

    await revokeDemoApp(page);
    expect(await onChain()).toEqual([]);
    expect((await getGrant(stack.chain.admin, { tokenId: vehicleId, grantee })).inForce).toBe(false);
    await go(page, "/owner/vehicles", "My vehicles");
    await row.getByText("nobody").waitFor();

    expect(errors).toEqual([]);
    await context.close();
  });

  it("a developer sees a vehicle's data once its owner shares it, and is refused after the revoke", async () => {
    const owner = await openAs("bob");
    const developer = await openAs("developer");
    const { id: vehicleId, name } = vehicleOf("bob");
    const grantee = stack.record.developer.clientId as Address;

    await go(developer.page, "/developer/licenses", "Developer licences");
    await developer.page.getByText(stack.record.developer.alias).first().waitFor();
    await screenshot(developer.page, "developer-licenses");
    await go(
      developer.page,
      `/developer/licenses/${stack.record.developer.licenseId}`,
      `Licence #${stack.record.developer.licenseId} · ${stack.record.developer.alias}`,
    );
    await screenshot(developer.page, "developer-license");

    await go(owner.page, `/owner/vehicles/${vehicleId}`, name);
    await revokeDemoApp(owner.page);

    // The playground, acting as the demo licence, asks when the vehicle was last heard from and where it is.
    const dev = developer.page;
    await go(dev, "/developer/playground", "Query playground");
    await dev.getByText("Acting as licence").waitFor();
    await dev.getByLabel(/^GraphQL/).fill(LATEST_QUERY);
    await dev.getByLabel(/^Variables/).fill(JSON.stringify({ tokenId: Number(vehicleId) }));
    await dev.getByLabel(/^Privileges to exchange for/).fill("1, 4");
    const answer = dev.locator(".card").filter({ has: dev.getByRole("heading", { name: "Answer" }) });
    const run = async (): Promise<{ ok: true; json: unknown } | { ok: false; message: string }> => {
      await dev.getByRole("button", { name: "Run", exact: true }).click();
      const ok = dev.getByRole("status").filter({ hasText: /^Answered in/ });
      const refused = dev.getByRole("alert");
      await ok.or(refused).first().waitFor();
      if (await refused.isVisible()) return { ok: false, message: await refused.innerText() };
      return { ok: true, json: JSON.parse(await answer.locator("pre").innerText()) };
    };

    const before = await run();
    expect(before.ok).toBe(false);
    expect(before).toMatchObject({ message: expect.stringMatching(/Running the query failed/) });
    expect(await answer.locator("pre").count()).toBe(0);

    await share(owner.page, ["Read history except location", "Read location history"], "1 day");
    expect(await getGrantedPrivileges(stack.chain.admin, { tokenId: vehicleId, grantee })).toEqual([1, 4]);
    const granted = await run();
    if (!granted.ok) throw new Error(`the shared vehicle's query failed: ${granted.message}`);
    const latest = (granted.json as { data: { signalsLatest: LatestAnswer } }).data.signalsLatest;
    expect(Date.parse(latest.lastSeen)).toBeGreaterThan(Date.now() - 600_000);
    expect(latest.currentLocationCoordinates.value).toMatchObject({
      latitude: expect.any(Number),
      longitude: expect.any(Number),
    });
    await screenshot(dev, "developer-playground");

    // The owner sees the read in the access log (the app's only query of this vehicle).
    await owner.page.reload();
    const log = owner.page
      .locator(".card")
      .filter({ has: owner.page.getByRole("heading", { name: "Access log" }) });
    const reads = log
      .getByRole("row")
      .filter({ hasText: stack.record.developer.alias })
      .filter({ hasText: "Telemetry query" });
    await reads.getByText("Ok", { exact: true }).waitFor();
    expect(await reads.count()).toBe(1);

    await revokeDemoApp(owner.page);
    const after = await run();
    expect(after.ok).toBe(false);
    expect(after).toMatchObject({ message: expect.stringMatching(/Running the query failed/) });
    // The refused answer replaces the data: nothing of the vehicle is left on the page.
    expect(await answer.locator("pre").count()).toBe(0);
    await screenshot(dev, "developer-playground-refused");

    // The owner's access log lists both refused exchanges (before the share and after the revoke).
    await owner.page.reload();
    const refusals = log
      .getByRole("row")
      .filter({ hasText: stack.record.developer.alias })
      .filter({
        hasText: /missing privileges/i,
      });
    await refusals.nth(1).waitFor();
    expect(await refusals.count()).toBe(2);
    await screenshot(owner.page, "owner-vehicle-access-log");

    // The node refuses the demo app outright, not only the console.
    const sdk = await demoApp();
    const refusal = await sdk.exchange({ tokenId: vehicleId, privileges: [1] }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(DimoApiError);
    expect((refusal as DimoApiError).status).toBe(403);

    expect(owner.errors).toEqual([]);
    expect(developer.errors).toEqual([]);
    await owner.context.close();
    await developer.context.close();
  });

  it("a maker mints devices and sees its fleet's performance", async () => {
    const { page, context, errors } = await openAs("maker");
    const manufacturerId = BigInt(stack.record.maker.manufacturerId);
    // Secure-element addresses made up for this run (the keys stay in memory).
    const elements = Array.from({ length: 3 }, (_, i) => ({
      address: privateKeyToAccount(generatePrivateKey()).address,
      serial: `E2E-${Date.now()}-${i}`,
    }));

    await go(page, "/maker/devices", "Device minting");
    await page.getByRole("heading", { name: "Mint a batch" }).waitFor();
    await page
      .getByRole("textbox", { name: /^Devices/ })
      .fill(elements.map((e) => `${e.address}, ${e.serial}`).join("\n"));
    await page.getByRole("button", { name: "Mint", exact: true }).click();
    await actionDone(page, /^Minted 3 devices; .* staked\.$/);

    const ids: bigint[] = [];
    for (const e of elements) {
      const id = await deviceIdByAddress(stack.chain.admin, e.address);
      expect(id).toBeGreaterThan(0n);
      const device = await getDevice(stack.chain.admin, id);
      expect(device).toMatchObject({ manufacturerId, serial: e.serial, claimed: false });
      expect(getAddress(device.deviceAddress)).toBe(e.address);
      ids.push(id);
    }
    const [first, last] = [ids[0]!, ids.at(-1)!];
    expect(last - first).toBe(2n);
    const batch = page.getByRole("row").filter({ hasText: `#${first} – #${last}` });
    await batch.waitFor();
    expect(await batch.getByRole("cell").nth(2).innerText()).toBe("3");
    await screenshot(page, "maker-devices");

    await go(page, "/maker/fleet", "Fleet performance");
    const minted = stack.record.fleet.vehicles.length + elements.length;
    await page
      .getByRole("figure", { name: "Minted", exact: true })
      .getByText(String(minted), { exact: true })
      .waitFor();
    await page
      .getByRole("figure", { name: "Installed", exact: true })
      .getByText(String(stack.record.fleet.vehicles.length), { exact: true })
      .waitFor();
    // The node's device-performance figures, as the page shows them.
    const figures = (await (
      await fetch(`${stack.node.apiUrl}/v1/device-performance/manufacturers/${manufacturerId}`)
    ).json()) as { devices: number };
    expect(figures.devices).toBe(stack.record.fleet.vehicles.length);
    await page
      .getByRole("figure", { name: "Devices heard from", exact: true })
      .getByText(String(figures.devices), { exact: true })
      .waitFor();
    for (const v of stack.record.fleet.vehicles)
      await page
        .getByRole("row")
        .filter({ hasText: `#${v.deviceId}` })
        .getByText("%")
        .first()
        .waitFor();
    await screenshot(page, "maker-fleet");

    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows the overview and the network's pages: manufacturers, challenges, reward weeks, node settlements", async () => {
    const { page, context, errors } = await openAs("alice");
    await go(page, "/", "Overview");
    await screenshot(page, "overview");
    await go(page, "/network/manufacturers", "Manufacturers");
    // The demo maker, licensed by the setup's governance vote.
    await page
      .getByRole("row")
      .filter({ hasText: stack.record.maker.name })
      .getByText("valid", { exact: true })
      .waitFor();
    await screenshot(page, "network-manufacturers");
    for (const [path, heading, name] of [
      ["/network/challenges", /Challenges/, "network-challenges"],
      ["/network/rewards", /Reward weeks/, "network-rewards"],
      ["/network/settlements", /Node settlements/, "network-settlements"],
    ] as const) {
      await go(page, path, heading);
      await screenshot(page, name);
      expect(await page.getByRole("alert").count()).toBe(0);
    }
    expect(errors).toEqual([]);
    await context.close();
  });
});
