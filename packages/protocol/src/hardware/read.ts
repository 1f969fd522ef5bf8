import { toProtocolError } from "../errors.ts";

/** Runs contract reads; a revert becomes a typed ProtocolError (e.g. ModelNotFound), as writes do. */
export async function decodedRead<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw toProtocolError(error);
  }
}
