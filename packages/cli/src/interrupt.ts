/**
 * Long-running commands (a node, simulated vehicles) run until Ctrl-C or SIGTERM. The handlers
 * go in before the command says it is running: a script that reads "running" and signals at once
 * must never find the default handler, which would kill the process without stopping anything.
 */
export function runUntilInterrupted(o: {
  /** Says the command is up (stdout), once the handlers are in. */
  announce: () => void;
  /** What Ctrl-C does; a second Ctrl-C while it runs forces the exit. */
  stop: () => Promise<void>;
  stopping?: string;
}): Promise<void> {
  return new Promise<void>((done) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) process.exit(130);
      stopping = true;
      if (o.stopping) process.stderr.write(`${o.stopping}\n`);
      o.stop().then(finish, (error: unknown) => {
        process.stderr.write(`error while stopping: ${(error as Error).message}\n`);
        finish();
      });
    };
    const finish = () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      done();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    o.announce();
  });
}
