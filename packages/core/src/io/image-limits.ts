/**
 * The pixel budget of the image decoders: how many pixels a header may declare before
 * anything is allocated for them. A decoded pixel costs 4 bytes as RGBA plus 4 per
 * channel as float32, so the default of 2^26 (8192 x 8192, about PIL's own default of
 * 89.5 M) keeps one decode near 1.3 GB at worst. A user raises it per call with the
 * `maxPixels` option, or for a whole process (the command line, worker threads) with
 * the ATELIER_MAX_PIXELS environment variable.
 */
import { ArgumentError, describe, FormatError } from '../errors.js';

export const DEFAULT_MAX_PIXELS = 2 ** 26;

/** How to raise the budget, for error messages. */
const RAISE =
  'raise it with the maxPixels option (decodeImage, readImage, the datasets sources) or the ' +
  'ATELIER_MAX_PIXELS environment variable';

function environment(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const value = env?.ATELIER_MAX_PIXELS;
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The budget in force: `option` when given, else ATELIER_MAX_PIXELS, else 2^26. A value
 * that is not a positive whole number is an ArgumentError.
 */
export function resolveMaxPixels(option: unknown, fn: string): number {
  if (option !== undefined) {
    if (typeof option !== 'number' || !Number.isSafeInteger(option) || option < 1) {
      throw new ArgumentError(
        `${fn}: maxPixels must be a positive whole number, got ${describe(option)}`,
      );
    }
    return option;
  }
  const text = environment();
  if (text === undefined) return DEFAULT_MAX_PIXELS;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new ArgumentError(
      `ATELIER_MAX_PIXELS must be a positive whole number of pixels, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** The error for a header that declares more pixels than the budget. */
export function overBudget(
  format: string,
  width: number,
  height: number,
  max: number,
): FormatError {
  const power = Math.log2(max);
  const named = Number.isInteger(power) ? `${max} (2^${power})` : `${max}`;
  return new FormatError(
    `${format} header gives ${width} x ${height} = ${width * height} pixels, more than the ` +
      `pixel budget of ${named}: refusing to allocate it; if the image is genuine, ${RAISE}`,
  );
}
