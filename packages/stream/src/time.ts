/**
 * RFC 3339 date-times as CloudEvents carry them. DIMO devices send up to nanosecond fractions
 * ("2024-04-22T20:40:07.249022183Z"); we keep the text as signed and read milliseconds from it
 * (the fraction beyond milliseconds is truncated, never rounded, so the value never moves forward).
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Milliseconds since the Unix epoch, or undefined when `text` is not an RFC 3339 date-time from 1970 on. */
export function rfc3339Millis(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Before 1970 is no device's clock, and v2 signatures carry the time as an unsigned integer.
  if (year < 1970) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const millis = m[7] ? Number(m[7].padEnd(3, "0").slice(0, 3)) : 0;
  let offsetMinutes = 0;
  if (!m[8]) {
    const offHours = Number(m[10]);
    const offMinutes = Number(m[11]);
    if (offHours > 23 || offMinutes > 59) return undefined;
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (offHours * 60 + offMinutes);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
