/**
 * The device's memory of the commands it ran, so that none runs twice — across redeliveries,
 * reconnections and restarts. Before the actuator moves, a `started` line is appended and
 * fsynced; after, a `done` line with the result. A command found `started` but not `done` after
 * a restart (power lost mid-execution) is never run again: it is answered `interrupted`.
 * Entries are kept until a day past their deadline (an expired command is refused anyway);
 * the file is compacted when most of it is stale.
 *
 *   <dir>/commands.jsonl   {"id","state":"started"|"done","expiresAt","result"?}
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface CommandOutcome {
  status: "executed" | "failed";
  reason?: string;
}

export interface JournalEntry {
  id: string;
  state: "started" | "done";
  expiresAt: number;
  result?: CommandOutcome;
}

const FILE = "commands.jsonl";
const KEEP_AFTER_EXPIRY_MS = 86_400_000;

export class CommandJournal {
  readonly #path: string;
  readonly #entries = new Map<string, JournalEntry>();
  #lines = 0;

  private constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.#path = join(dir, FILE);
  }

  /** Opens (or creates) the journal in `dir`, forgetting entries a day past their deadline. */
  static open(dir: string, now = Date.now()): CommandJournal {
    const journal = new CommandJournal(dir);
    let text = "";
    try {
      text = readFileSync(journal.#path, "utf8");
    } catch {
      // a new device
    }
    for (const line of text.split("\n")) {
      if (!line) continue;
      try {
        const entry = JSON.parse(line) as JournalEntry;
        if (typeof entry.id === "string" && (entry.state === "started" || entry.state === "done")) {
          journal.#entries.set(entry.id, entry);
          journal.#lines++;
        }
      } catch {
        // A torn last line (power lost while writing it): the step it recorded did not finish.
      }
    }
    for (const [id, e] of journal.#entries)
      if (e.expiresAt + KEEP_AFTER_EXPIRY_MS < now) journal.#entries.delete(id);
    if (journal.#lines > journal.#entries.size) journal.#compact();
    return journal;
  }

  get(id: string): JournalEntry | undefined {
    return this.#entries.get(id);
  }

  /** Records, durably, that the command is about to run. */
  begin(id: string, expiresAt: number): void {
    this.#append({ id, state: "started", expiresAt });
  }

  /** Records, durably, how it ended. */
  finish(id: string, expiresAt: number, result: CommandOutcome): void {
    this.#append({ id, state: "done", expiresAt, result });
  }

  #append(entry: JournalEntry): void {
    const fd = openSync(this.#path, "a", 0o600);
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.#entries.set(entry.id, entry);
    this.#lines++;
  }

  /** Rewrites the file with the entries kept (written aside, fsynced, renamed over). */
  #compact(): void {
    const tmp = `${this.#path}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      for (const e of this.#entries.values()) writeSync(fd, `${JSON.stringify(e)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.#path);
    this.#lines = this.#entries.size;
  }
}
