/**
 * Errors of the devnet. Each has a short message saying what failed, `details` with the values
 * involved, and (where a person can act) what to do — the shape viem's errors have.
 */
export class DevnetError extends Error {
  override name = "DevnetError";
  readonly shortMessage: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(shortMessage: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    const lines = Object.entries(details).map(([key, value]) => `  ${key}: ${show(value)}`);
    super(lines.length > 0 ? `${shortMessage}\n${lines.join("\n")}` : shortMessage, options);
    this.shortMessage = shortMessage;
    this.details = details;
  }
}

function show(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value.length > 300 ? `${value.slice(0, 300)}…` : value;
  try {
    const text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  } catch {
    return String(value);
  }
}

/** An option given to the devnet is out of range or malformed. */
export class InvalidDevnetOptionError extends DevnetError {
  override name = "InvalidDevnetOptionError";
  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`Invalid devnet option "${option}": expected ${expected}`, { option, value });
  }
}

/** The data dir holds a chain made with other settings than the ones given now. */
export class DevnetConfigMismatchError extends DevnetError {
  override name = "DevnetConfigMismatchError";
  constructor(
    readonly field: string,
    readonly journalValue: unknown,
    readonly givenValue: unknown,
    readonly dataDir: string,
  ) {
    super(`The devnet in ${dataDir} was created with a different ${field}`, {
      field,
      inJournal: journalValue,
      given: givenValue,
      whatToDo: `start it with the same ${field} (or leave the option out), or use a fresh data dir`,
    });
  }
}

/** Another devnet (in this or another live process) holds the data dir. */
export class DevnetDataDirLockedError extends DevnetError {
  override name = "DevnetDataDirLockedError";
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`The devnet data dir ${dataDir} is in use by process ${pid}`, {
      dataDir,
      pid,
      whatToDo: "close the other devnet first; a lock left by a process that has died is taken over",
    });
  }
}

/** A journal line other than the last one is unreadable: the file was damaged or edited. */
export class JournalCorruptError extends DevnetError {
  override name = "JournalCorruptError";
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`The devnet journal ${file} is damaged at line ${line}: ${reason}`, {
      file,
      line,
      whatToDo: "restore the file from a backup, or move the data dir aside to start a fresh chain",
    });
  }
}

/** Replaying the journal gave a different chain than the one recorded (e.g. another EDR version). */
export class JournalReplayError extends DevnetError {
  override name = "JournalReplayError";
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
    details: Record<string, unknown> = {},
  ) {
    super(`Replaying the devnet journal ${file} diverged at line ${line}: ${reason}`, {
      ...details,
      file,
      line,
      whatToDo:
        "the journal was written by a different EVM version or edited; use the version that wrote it, or move the data dir aside",
    });
  }
}

/** Writing a journal line failed: the call ran but could not be made durable. */
export class JournalWriteError extends DevnetError {
  override name = "JournalWriteError";
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(
      `Writing the devnet journal ${file} failed; the devnet accepts no more changes`,
      {
        file,
        reason: cause instanceof Error ? cause.message : String(cause),
        whatToDo: "free disk space or fix permissions, then restart the devnet (the last call is not kept)",
      },
      { cause },
    );
  }
}
