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
  /** The network could not be reached: no devnet running, a wrong --rpc-url or --node-url. */
  Unreachable: 4,
  /** The chain or the node refused the request (a revert, a missing grant, an unknown token). */
  Refused: 5,
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
