export type { DecodedSignals, SignalValue } from "./codec/decoder.ts";
export type { EncodeInput, EncodeOptions } from "./codec/encoder.ts";
export { Database, type DecodedFrame, type FrameInput } from "./dbc/database.ts";
export { decodeDbcBytes, loadDbcFile } from "./dbc/file.ts";
export { type DecodeOptions, Message } from "./dbc/message.ts";
export type * from "./dbc/model.ts";
export { type ParseDbcOptions, parseDbc } from "./dbc/parser.ts";
export * from "./errors.ts";
