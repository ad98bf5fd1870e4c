import { describe, expect, it } from "vitest";
import { bytes, message, string, varint } from "../../src/codecs/protobuf.js";

describe("the protobuf encoder", () => {
  it("writes varints seven bits at a time, low bits first, with the field number and wire type in the key", () => {
    expect(Array.from(varint(1, 0))).toEqual([0x08, 0x00]);
    expect(Array.from(varint(1, 300))).toEqual([0x08, 0xac, 0x02]);
    expect(Array.from(varint(20, 2))).toEqual([0xa0, 0x01, 0x02]);
    // Beyond 32 bits (an ONNX dim or offset can be): 2^35 = 0x800000000.
    expect(Array.from(varint(2, 2 ** 35))).toEqual([0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
  });

  it("refuses varints it cannot encode exactly", () => {
    expect(() => varint(1, -1)).toThrow(RangeError);
    expect(() => varint(1, 1.5)).toThrow(RangeError);
    expect(() => varint(1, 2 ** 53)).toThrow(RangeError);
  });

  it("prefixes bytes and strings (UTF-8) with their length", () => {
    expect(Array.from(string(2, "é"))).toEqual([0x12, 0x02, 0xc3, 0xa9]);
    expect(Array.from(bytes(9, new Uint8Array(200))).slice(0, 3)).toEqual([0x4a, 0xc8, 0x01]);
    expect(bytes(9, new Uint8Array(200)).length).toBe(203);
  });

  it("concatenates a message's fields in order, skipping absent ones", () => {
    expect(Array.from(message(varint(1, 1), undefined, string(2, "a")))).toEqual([0x08, 0x01, 0x12, 0x01, 0x61]);
  });
});
