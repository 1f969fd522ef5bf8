/**
 * How the console's browser tests and screenshot script launch Chromium: Debian's build
 * (playwright cannot download one here; `.ci/run` installs the `chromium` package), headless,
 * without the sandbox (CI runs as root) and with nothing reaching outside the machine.
 */
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
