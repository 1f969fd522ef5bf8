/**
 * What the indexer logs through: pino's signature (`logger.warn(details, message)`), so a program
 * passes its pino logger. Without one the indexer is silent, as a library should be.
 */
export interface IndexerLogger {
  debug(details: Record<string, unknown>, message: string): void;
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

const ignore = (): void => {};
export const silentLogger: IndexerLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
