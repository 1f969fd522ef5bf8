/**
 * Per-message timeouts from the DBC cycle times (GenMsgCycleTime): a message is overdue when
 * it has not been seen for `periods` cycle times (opendbc uses 10), counted from its last
 * frame or, if it never came, from when watching started.
 */
import type { Message } from "../dbc/message.ts";

export interface OverdueMessage {
  readonly message: Message;
  /** Time of the last frame, or undefined if none arrived since watching started. */
  readonly lastSeen: number | undefined;
  /** The silence after which the message is overdue (milliseconds). */
  readonly thresholdMs: number;
}

export class MessageTimeouts {
  private readonly watched: { message: Message; thresholdMs: number; lastSeen: number | undefined }[] = [];
  private readonly byMessage = new Map<Message, { lastSeen: number | undefined }>();
  private startedAt: number | undefined;

  /**
   * @param messages the messages to watch; those without a cycle time are ignored.
   * @param options.periods cycle times of silence before a message is overdue (default 10).
   */
  constructor(messages: Iterable<Message>, options: { periods?: number } = {}) {
    const periods = options.periods ?? 10;
    for (const message of messages) {
      if (!message.cycleTime) continue;
      const entry = { message, thresholdMs: message.cycleTime * periods, lastSeen: undefined };
      this.watched.push(entry);
      this.byMessage.set(message, entry);
    }
  }

  /** Messages that have a cycle time and are watched. */
  get messages(): Message[] {
    return this.watched.map((w) => w.message);
  }

  /** Records a frame of `message` at `timeMs`. */
  seen(message: Message, timeMs: number): void {
    this.startedAt ??= timeMs;
    const entry = this.byMessage.get(message);
    if (entry) entry.lastSeen = timeMs;
  }

  /** The messages overdue at `timeMs`. */
  overdue(timeMs: number): OverdueMessage[] {
    this.startedAt ??= timeMs;
    const out: OverdueMessage[] = [];
    for (const w of this.watched) {
      const since = w.lastSeen ?? this.startedAt;
      if (timeMs - since > w.thresholdMs)
        out.push({ message: w.message, lastSeen: w.lastSeen, thresholdMs: w.thresholdMs });
    }
    return out;
  }
}
