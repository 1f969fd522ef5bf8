/**
 * Checksum algorithms of the vehicle families opendbc supports, as carmakers compute them over
 * a frame: `(address, payload, checksum signal) → expected checksum value`. The payload is the
 * frame as received; each algorithm skips the checksum's own bits the way the carmaker does.
 */

export type ChecksumFamily =
  | "honda"
  | "toyota"
  | "hyundai-canfd"
  | "vw-mqb"
  | "vw-mlb"
  | "vw-pq"
  | "subaru"
  | "chrysler"
  | "fca-giorgio"
  | "tesla"
  | "body"
  | "psa";

export const CHECKSUM_FAMILIES: readonly ChecksumFamily[] = [
  "honda",
  "toyota",
  "hyundai-canfd",
  "vw-mqb",
  "vw-mlb",
  "vw-pq",
  "subaru",
  "chrysler",
  "fca-giorgio",
  "tesla",
  "body",
  "psa",
];

/** Where the checksum signal sits (some algorithms skip its byte). */
export interface ChecksumField {
  readonly startBit: number;
  readonly length: number;
}

export type ChecksumAlgorithm = (address: number, data: Uint8Array, field: ChecksumField) => number;

function crc8Table(poly: number): Uint8Array {
  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i;
    for (let b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ poly) & 0xff : (crc << 1) & 0xff;
    table[i] = crc;
  }
  return table;
}

function crc16Table(poly: number): Uint16Array {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ poly) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
}

/** AUTOSAR CRC8H2F (VW), SAE J1850 (FCA), comma body, and CRC-16/XMODEM (Hyundai CAN FD). */
export const CRC8_H2F = crc8Table(0x2f);
export const CRC8_J1850 = crc8Table(0x1d);
export const CRC8_BODY = crc8Table(0xd5);
export const CRC16_XMODEM = crc16Table(0x1021);

/**
 * AUTOSAR E2E profile 2 data IDs of VW MQB/MEB messages: one per counter value (0–15).
 * Messages not listed use no data ID.
 */
const VW_MQB_DATA_IDS: ReadonlyMap<number, readonly number[]> = new Map(
  (
    [
      [0x40, [0x40]],
      [0x86, [0x86]],
      [0x9f, [0xf5]],
      [
        0xad,
        [0x3f, 0x69, 0x39, 0xdc, 0x94, 0xf9, 0x14, 0x64, 0xd8, 0x6a, 0x34, 0xce, 0xa2, 0x55, 0xb5, 0x2c],
      ],
      [
        0xdb,
        [0x09, 0xfa, 0xca, 0x8e, 0x62, 0xd5, 0xd1, 0xf0, 0x31, 0xa0, 0xaf, 0xda, 0x4d, 0x1a, 0x0a, 0x97],
      ],
      [
        0xfc,
        [0x77, 0x5c, 0xa0, 0x89, 0x4b, 0x7c, 0xbb, 0xd6, 0x1f, 0x6c, 0x4f, 0xf6, 0x20, 0x2b, 0x43, 0xdd],
      ],
      [
        0xfd,
        [0xb4, 0xef, 0xf8, 0x49, 0x1e, 0xe5, 0xc2, 0xc0, 0x97, 0x19, 0x3c, 0xc9, 0xf1, 0x98, 0xd6, 0x61],
      ],
      [0x101, [0xaa]],
      [
        0x102,
        [0xd7, 0x12, 0x85, 0x7e, 0x0b, 0x34, 0xfa, 0x16, 0x7a, 0x25, 0x2d, 0x8f, 0x04, 0x8e, 0x5d, 0x35],
      ],
      [0x106, [0x07]],
      [
        0x10b,
        [0x77, 0x5c, 0xa0, 0x89, 0x4b, 0x7c, 0xbb, 0xd6, 0x1f, 0x6c, 0x4f, 0xf6, 0x20, 0x2b, 0x43, 0xdd],
      ],
      [0x116, [0xac]],
      [0x117, [0x16]],
      [
        0x120,
        [0xc4, 0xe2, 0x4f, 0xe4, 0xf8, 0x2f, 0x56, 0x81, 0x9f, 0xe5, 0x83, 0x44, 0x05, 0x3f, 0x97, 0xdf],
      ],
      [
        0x121,
        [0xe9, 0x65, 0xae, 0x6b, 0x7b, 0x35, 0xe5, 0x5f, 0x4e, 0xc7, 0x86, 0xa2, 0xbb, 0xdd, 0xeb, 0xb4],
      ],
      [
        0x122,
        [0x37, 0x7d, 0xf3, 0xa9, 0x18, 0x46, 0x6d, 0x4d, 0x3d, 0x71, 0x92, 0x9c, 0xe5, 0x32, 0x10, 0xb9],
      ],
      [0x126, [0xda]],
      [
        0x12b,
        [0x6a, 0x38, 0xb4, 0x27, 0x22, 0xef, 0xe1, 0xbb, 0xf8, 0x80, 0x84, 0x49, 0xc7, 0x9e, 0x1e, 0x2b],
      ],
      [
        0x12e,
        [0xf8, 0xe5, 0x97, 0xc9, 0xd6, 0x07, 0x47, 0x21, 0x66, 0xdd, 0xcf, 0x6f, 0xa1, 0x94, 0x74, 0x63],
      ],
      [
        0x139,
        [0xed, 0x03, 0x1c, 0x13, 0xc6, 0x23, 0x78, 0x7a, 0x8b, 0x40, 0x14, 0x51, 0xbf, 0x68, 0x32, 0xba],
      ],
      [
        0x13d,
        [0x20, 0xca, 0x68, 0xd5, 0x1b, 0x31, 0xe2, 0xda, 0x08, 0x0a, 0xd4, 0xde, 0x9c, 0xe4, 0x35, 0x5b],
      ],
      [
        0x14c,
        [0x16, 0x35, 0x59, 0x15, 0x9a, 0x2a, 0x97, 0xb8, 0x0e, 0x4e, 0x30, 0xcc, 0xb3, 0x07, 0x01, 0xad],
      ],
      [
        0x14d,
        [0x1a, 0x65, 0x81, 0x96, 0xc0, 0xdf, 0x11, 0x92, 0xd3, 0x61, 0xc6, 0x95, 0x8c, 0x29, 0x21, 0xb5],
      ],
      [
        0x187,
        [0x7f, 0xed, 0x17, 0xc2, 0x7c, 0xeb, 0x44, 0x21, 0x01, 0xfa, 0xdb, 0x15, 0x4a, 0x6b, 0x23, 0x05],
      ],
      [
        0x1a4,
        [0x69, 0xbb, 0x54, 0xe6, 0x4e, 0x46, 0x8d, 0x7b, 0xea, 0x87, 0xe9, 0xb3, 0x63, 0xce, 0xf8, 0xbf],
      ],
      [
        0x1ab,
        [0x13, 0x21, 0x9b, 0x6a, 0x9a, 0x62, 0xd4, 0x65, 0x18, 0xf1, 0xab, 0x16, 0x32, 0x89, 0xe7, 0x26],
      ],
      [
        0x1f0,
        [0x2f, 0x3c, 0x22, 0x60, 0x18, 0xeb, 0x63, 0x76, 0xc5, 0x91, 0x0f, 0x27, 0x34, 0x04, 0x7f, 0x02],
      ],
      [
        0x20a,
        [0x9d, 0xe8, 0x36, 0xa1, 0xca, 0x3b, 0x1d, 0x33, 0xe0, 0xd5, 0xbb, 0x5f, 0xae, 0x3c, 0x31, 0x9f],
      ],
      [
        0x26b,
        [0xce, 0xcc, 0xbd, 0x69, 0xa1, 0x3c, 0x18, 0x76, 0x0f, 0x04, 0xf2, 0x3a, 0x93, 0x24, 0x19, 0x51],
      ],
      [0x30c, [0x0f]],
      [0x30f, [0x0c]],
      [0x324, [0x27]],
      [
        0x3be,
        [0x1f, 0x28, 0xc6, 0x85, 0xe6, 0xf8, 0xb0, 0x19, 0x5b, 0x64, 0x35, 0x21, 0xe4, 0xf7, 0x9c, 0x24],
      ],
      [0x3c0, [0xc3]],
      [
        0x3d5,
        [0xc5, 0x39, 0xc7, 0xf9, 0x92, 0xd8, 0x24, 0xce, 0xf1, 0xb5, 0x7a, 0xc4, 0xbc, 0x60, 0xe3, 0xd1],
      ],
      [
        0x65d,
        [0xac, 0xb3, 0xab, 0xeb, 0x7a, 0xe1, 0x3b, 0xf7, 0x73, 0xba, 0x7c, 0x9e, 0x06, 0x5f, 0x02, 0xd9],
      ],
    ] as [number, number[]][]
  ).map(([id, ids]) => [id, ids.length === 1 ? new Array<number>(16).fill(ids[0]!) : ids]),
);

/** VW MLB messages protected by a plain XOR with a per-message start value. */
const VW_MLB_XOR_START: ReadonlyMap<number, number> = new Map([
  [0x109, 0x08],
  [0x111, 0x10],
  [0x30c, 0x0f],
  [0x324, 0x27],
  [0x10b, 0x0a],
  [0x10d, 0x0c],
  [0x10f, 0x0e],
  [0x311, 0x12],
  [0x397, 0x94],
  [0x10c, 0x0d],
]);

/** Honda: 4-bit nibble sum of the id and the payload (without the checksum nibble), negated. */
export const hondaChecksum: ChecksumAlgorithm = (address, d) => {
  let s = 0;
  for (let a = address; a > 0; a = Math.floor(a / 16)) s += a % 16;
  for (let i = 0; i < d.length; i++) {
    // The checksum is the low nibble of the last byte: leave it out.
    const x = i === d.length - 1 ? d[i]! >> 4 : d[i]!;
    s += (x & 0xf) + (x >> 4);
  }
  s = 8 - s;
  if (address > 0x7ff) s += 3; // extended ids
  return s & 0xf;
};

/** Toyota: length + id bytes + every payload byte but the last (the checksum), modulo 256. */
export const toyotaChecksum: ChecksumAlgorithm = (address, d) => {
  let s = d.length;
  for (let a = address; a > 0; a = Math.floor(a / 256)) s += a % 256;
  for (let i = 0; i < d.length - 1; i++) s += d[i]!;
  return s & 0xff;
};

/** Subaru (global platform): id bytes + payload after byte 0 (the checksum), modulo 256. */
export const subaruChecksum: ChecksumAlgorithm = (address, d) => {
  let s = 0;
  for (let a = address; a > 0; a = Math.floor(a / 256)) s += a % 256;
  for (let i = 1; i < d.length; i++) s += d[i]!;
  return s & 0xff;
};

/** Chrysler/Jeep/Ram: a bitwise CRC-8 (poly 0x1D, init 0xFF, inverted) over all but the last byte. */
export const chryslerChecksum: ChecksumAlgorithm = (_address, d) => {
  let checksum = 0xff;
  for (let j = 0; j < d.length - 1; j++) {
    const curr = d[j]!;
    for (let shift = 0x80; shift > 0; shift >>= 1) {
      const top = checksum & 0x80;
      let bitSum: number;
      if (curr & shift) {
        bitSum = top ? 1 : 0x1c;
        checksum = (checksum << 1) & 0xff;
        bitSum ^= checksum | 1;
      } else {
        bitSum = top ? 0x1d : 0;
        checksum = (checksum << 1) & 0xff;
        bitSum ^= checksum;
      }
      checksum = bitSum & 0xff;
    }
  }
  return ~checksum & 0xff;
};

/** FCA Giorgio (Alfa Romeo): CRC-8 SAE J1850 (init 0) with a per-message final XOR. */
export const fcaGiorgioChecksum: ChecksumAlgorithm = (address, d) => {
  let crc = 0;
  for (let i = 0; i < d.length - 1; i++) crc = CRC8_J1850[crc ^ d[i]!]!;
  if (address === 0xde) return crc ^ 0x10;
  if (address === 0x106) return crc ^ 0xf6;
  if (address === 0x122) return crc ^ 0xf1;
  return crc ^ 0x0a;
};

/** Hyundai/Kia CAN FD: CRC-16/XMODEM over bytes 2… and the id, with a length-dependent XOR. */
export const hyundaiCanFdChecksum: ChecksumAlgorithm = (address, d) => {
  let crc = 0;
  const step = (byte: number): void => {
    crc = ((crc << 8) ^ CRC16_XMODEM[((crc >> 8) ^ byte) & 0xff]!) & 0xffff;
  };
  for (let i = 2; i < d.length; i++) step(d[i]!);
  step(address & 0xff);
  step((address >> 8) & 0xff);
  if (d.length === 8) crc ^= 0x5f29;
  else if (d.length === 16) crc ^= 0x041d;
  else if (d.length === 24) crc ^= 0x819d;
  else if (d.length === 32) crc ^= 0x9f5b;
  return crc;
};

/** VW MQB/MEB: AUTOSAR E2E profile 2 — CRC8H2F over bytes 1…, then the data ID for the counter. */
export const vwMqbChecksum: ChecksumAlgorithm = (address, d) => {
  let crc = 0xff;
  for (let i = 1; i < d.length; i++) crc = CRC8_H2F[crc ^ d[i]!]!;
  const ids = VW_MQB_DATA_IDS.get(address);
  if (ids) crc = CRC8_H2F[crc ^ ids[d[1]! & 0x0f]!]!;
  return crc ^ 0xff;
};

/** XOR of every byte but the checksum's, from a start value (VW PQ with 0). */
function xorChecksum(d: Uint8Array, field: ChecksumField, start: number): number {
  const skip = field.startBit >> 3;
  let x = start;
  for (let i = 0; i < d.length; i++) if (i !== skip) x ^= d[i]!;
  return x;
}

export const vwPqChecksum: ChecksumAlgorithm = (_address, d, field) => xorChecksum(d, field, 0);

/** VW MLB: XOR with a per-message start value for some messages, E2E profile 2 for the rest. */
export const vwMlbChecksum: ChecksumAlgorithm = (address, d, field) => {
  const start = VW_MLB_XOR_START.get(address);
  return start === undefined ? vwMqbChecksum(address, d, field) : xorChecksum(d, field, start);
};

/** Tesla: id bytes + every payload byte but the checksum's, modulo 256. */
export const teslaChecksum: ChecksumAlgorithm = (address, d, field) => {
  let s = (address & 0xff) + ((address >> 8) & 0xff);
  const skip = field.startBit >> 3;
  for (let i = 0; i < d.length; i++) if (i !== skip) s += d[i]!;
  return s & 0xff;
};

/** comma body: CRC-8 (poly 0xD5, init 0xFF) over all but the last byte, last to first. */
export const bodyChecksum: ChecksumAlgorithm = (_address, d) => {
  let crc = 0xff;
  for (let i = d.length - 2; i >= 0; i--) crc = CRC8_BODY[crc ^ d[i]!]!;
  return crc;
};

/** PSA (Peugeot/Citroën): nibble sum, checksum nibble cleared, subtracted from a per-message start. */
export const psaChecksum: ChecksumAlgorithm = (address, data, field) => {
  const start = address === 0x452 ? 0x4 : address === 0x38d ? 0x7 : address === 0x42d ? 0xc : 0xb;
  const byte = field.startBit >> 3;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    let b = data[i]!;
    if (i === byte) b &= field.startBit % 8 >= 4 ? 0x0f : 0xf0;
    sum += (b >> 4) + (b & 0xf);
  }
  return (start - sum) & 0xf;
};

export const CHECKSUM_ALGORITHMS: Readonly<Record<ChecksumFamily, ChecksumAlgorithm>> = {
  honda: hondaChecksum,
  toyota: toyotaChecksum,
  "hyundai-canfd": hyundaiCanFdChecksum,
  "vw-mqb": vwMqbChecksum,
  "vw-mlb": vwMlbChecksum,
  "vw-pq": vwPqChecksum,
  subaru: subaruChecksum,
  chrysler: chryslerChecksum,
  "fca-giorgio": fcaGiorgioChecksum,
  tesla: teslaChecksum,
  body: bodyChecksum,
  psa: psaChecksum,
};

/**
 * The family of an opendbc DBC from its file name (opendbc chooses the algorithm the same way).
 * Undefined when the name says nothing: pass the family explicitly then.
 */
export function detectChecksumFamily(fileName: string): ChecksumFamily | undefined {
  const name = (fileName.split(/[\\/]/).pop() ?? fileName).replace(/\.dbc$/i, "");
  const rules: [RegExp, ChecksumFamily][] = [
    [/^(honda_|acura_)/, "honda"],
    [/^(toyota_|lexus_)/, "toyota"],
    [/^hyundai_canfd/, "hyundai-canfd"],
    [/^vw_(mqb|mqbevo|meb)/, "vw-mqb"],
    [/^vw_mlb/, "vw-mlb"],
    [/^vw_pq/, "vw-pq"],
    [/^subaru_global_/, "subaru"],
    [/^chrysler_/, "chrysler"],
    [/^fca_giorgio/, "fca-giorgio"],
    [/^comma_body/, "body"],
    [/^tesla_model3_party/, "tesla"],
    [/^psa_/, "psa"],
  ];
  return rules.find(([re]) => re.test(name))?.[1];
}
