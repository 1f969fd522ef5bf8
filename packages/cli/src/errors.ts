/**
 * Exit codes of the `dimo` command, and the error a command throws to end with one of them.
 * main.ts prints the message (a sentence a person can act on) to stderr and exits with the code.
 */
export const ExitCode = {
  /** Everything done. */
  Ok: 0,
  /** The command could not do its job (unreadable or invalid input file, failed operation). */
  Failure: 1,
  /** The command line itself is wrong (unknown command or option, missing argument). */
  Usage: 2,
  /** Done, but some of the input could not be used (listed on stderr). */
  PartialInput: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.Failure,
  ) {
    super(message);
  }
}
