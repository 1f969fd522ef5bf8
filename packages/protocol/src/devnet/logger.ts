/**
 * What the devnet logs through. The signature is pino's (`logger.warn(details, message)`), so a
 * program can pass its pino logger; the default writes warnings to stderr as JSON lines and keeps
 * routine information quiet, as a library should.
 */
export interface DevnetLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}

export const stderrLogger: DevnetLogger = {
  info() {},
  warn(details, message) {
    process.stderr.write(
      `${JSON.stringify({ level: "warn", time: Date.now(), ...details, msg: message })}\n`,
    );
  },
};
