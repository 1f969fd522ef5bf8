/**
 * The other hardware edges: the vehicle battery voltage (an ADC on the OBD-II power pin) and
 * the position (a GNSS receiver). Each is a small interface; the file-based voltage sensor reads
 * a Linux IIO channel, the simulator provides both for simulated vehicles.
 */
import { readFile } from "node:fs/promises";
import { DeviceError } from "../errors.ts";

export interface VoltageSensor {
  /** The battery voltage now (V). */
  read(): Promise<number>;
}

export interface Position {
  latitude: number;
  longitude: number;
  /** Horizontal dilution of precision, when the receiver reports it. */
  hdop?: number;
  headingDeg?: number;
  timestamp: number;
}

export interface PositionSource {
  /** The latest fix, or undefined without one. */
  read(): Promise<Position | undefined>;
}

export interface FileVoltageSensorOptions {
  /** e.g. /sys/bus/iio/devices/iio:device0/in_voltage1_raw */
  path: string;
  /** volts = raw × scale + offset (the divider and ADC reference of the board). */
  scale?: number;
  offset?: number;
}

/** Reads a number from a file (Linux IIO sysfs) and scales it to volts. */
export class FileVoltageSensor implements VoltageSensor {
  readonly #o: FileVoltageSensorOptions;

  constructor(options: FileVoltageSensorOptions) {
    this.#o = options;
  }

  async read(): Promise<number> {
    let text: string;
    try {
      text = await readFile(this.#o.path, "utf8");
    } catch (error) {
      throw new DeviceError(`Cannot read the battery voltage from ${this.#o.path}.`, { cause: error });
    }
    const raw = Number(text.trim());
    if (!Number.isFinite(raw)) {
      throw new DeviceError(
        `${this.#o.path} holds ${JSON.stringify(text.trim().slice(0, 20))}, not a number.`,
      );
    }
    const volts = raw * (this.#o.scale ?? 1) + (this.#o.offset ?? 0);
    if (volts < 0 || volts > 60) {
      throw new DeviceError(`Battery voltage ${volts} V from ${this.#o.path} is implausible.`, {
        details: "Check the scale and offset for the board's voltage divider.",
      });
    }
    return volts;
  }
}
