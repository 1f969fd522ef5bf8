/**
 * Errors of the signal catalogue, viem style: a short message a person can act on, details
 * for the curious, and a class a program can match.
 */
export class SignalsError extends Error {
  override name = "SignalsError";
  readonly shortMessage: string;
  readonly details: string | undefined;

  constructor(shortMessage: string, details?: string) {
    super(details ? `${shortMessage}\n\nDetails: ${details}` : shortMessage);
    this.shortMessage = shortMessage;
    this.details = details;
  }
}

/** Quote a value for a message without letting a huge or hostile input flood the log. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export class UnknownSignalError extends SignalsError {
  override name = "UnknownSignalError";
  constructor(readonly signal: string) {
    super(
      `Unknown signal ${describeValue(signal)}.`,
      "Signal names are lowerCamelCase VSS paths without `Vehicle.` (e.g. `speed`, `powertrainTractionBatteryStateOfChargeCurrent`); the list is SIGNALS / docs/signals.md.",
    );
  }
}

export class InvalidVssPathError extends SignalsError {
  override name = "InvalidVssPathError";
  constructor(readonly vssPath: string) {
    super(
      `Invalid VSS path ${describeValue(vssPath)}.`,
      "Expected `Vehicle.<Branch>.<...>` with alphanumeric segments, e.g. `Vehicle.Powertrain.Range`.",
    );
  }
}
