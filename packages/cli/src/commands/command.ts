/**
 * What every command module shares: the `Command` shape the registry lists and the
 * argument parser. A leaf module, so the commands and the registry that lists them
 * import it without importing each other.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<void>;
}

/** Wraps node's parseArgs so unknown flags become one-line usage errors. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export function parse(
  args: string[],
  options: NonNullable<Parameters<typeof parseArgs>[0]>['options'],
): ParsedArgs {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as ParsedArgs;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
