/**
 * Screenshots of every console page, for looking at them: `npx tsx packages/console/scripts/screenshots.ts
 * <console URL> <out dir> [account index] [path…]`. Drives the system's Chromium (CHROMIUM, default
 * /usr/bin/chromium) with playwright-core against a running console (dimo devnet serves one);
 * picks the demo account by index, waits for each page's loading states to settle.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS } from "./chromium.ts";

const PAGES = [
  "/",
  "/owner/vehicles",
  "/owner/vehicles/1",
  "/owner/devices",
  "/owner/rewards",
  "/developer/licenses",
  "/developer/licenses/1",
  "/developer/credits",
  "/developer/playground",
  "/developer/webhooks",
  "/maker/application",
  "/maker/stake",
  "/maker/models",
  "/maker/devices",
  "/maker/fleet",
  "/maker/ota",
  "/network/manufacturers",
  "/network/challenges",
  "/network/rewards",
  "/network/settlements",
];

const [url, outDir = "screenshots", accountArg, ...only] = process.argv.slice(2);
if (!url) {
  console.error("usage: screenshots.ts <console URL> [out dir] [account index] [path…]");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", ...CHROMIUM_ARGS],
});
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  await page.goto(url);
  await page.waitForSelector(".shell", { timeout: 30_000 });
  if (accountArg !== undefined) {
    const select = page.locator('select[aria-label="Account"]');
    const value = await select.locator("option").nth(Number(accountArg)).getAttribute("value");
    await select.selectOption(value!);
  }
  for (const path of only.length ? only : PAGES) {
    await page.goto(`${url}#${path}`);
    const started = Date.now();
    // Settled: no loading state left (or 20 s passed).
    while (Date.now() - started < 20_000) {
      await page.waitForTimeout(400);
      if ((await page.locator(".state-loading").count()) === 0) break;
    }
    await page.waitForTimeout(300);
    const file = join(outDir, `${path.replace(/^\/$/, "/overview").slice(1).replace(/\//g, "-")}.png`);
    // A viewport as tall as the page (rather than a full-page capture) keeps the sticky sidebar at the top.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1360, height: Math.max(900, height) });
    await page.screenshot({ path: file });
    await page.setViewportSize({ width: 1360, height: 900 });
    console.log(`${file} (${Date.now() - started} ms)`);
  }
} finally {
  await browser.close();
}
