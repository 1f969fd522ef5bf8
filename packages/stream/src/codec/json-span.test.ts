import { describe, expect, it } from "vitest";
import { DuplicateMemberError, topLevelMemberSpan } from "./json-span.ts";

function dataText(text: string): string | undefined {
  JSON.parse(text);
  const span = topLevelMemberSpan(text, "data");
  return span && text.slice(span.start, span.end);
}

describe("topLevelMemberSpan", () => {
  it("returns the exact text of data, whitespace inside kept", () => {
    expect(dataText('{"a":1,"data":{"timestamp":1709656316768},"z":2}')).toBe('{"timestamp":1709656316768}');
    expect(dataText('\n{ "data" :  { "x" : [1, "}]\\"{" ] }  , "b":true }')).toBe('{ "x" : [1, "}]\\"{" ] }');
    expect(dataText('{"data":-1.5e3}')).toBe("-1.5e3");
    expect(dataText('{"data":"s\\"x"}')).toBe('"s\\"x"');
  });

  it("matches keys by their decoded value, as JSON.parse does", () => {
    expect(dataText('{"d\\u0061ta":[1]}')).toBe("[1]");
    expect(dataText('{"other":{"data":1}}')).toBeUndefined();
  });

  it("refuses duplicate top-level members", () => {
    expect(() => dataText('{"data":1,"data":2}')).toThrow(DuplicateMemberError);
    expect(() => dataText('{"id":"a","data":1,"id":"b"}')).toThrow(/duplicate top-level member "id"/);
  });
});
