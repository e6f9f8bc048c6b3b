import { HARNESS_NAMES, HARNESSES, type HarnessFlag, type HarnessName } from '@atelier/gan';
import { UsageError } from '../errors.js';
import { intFlag, numberFlag } from './flags.js';

/**
 * Every harness's flags from @atelier/gan's table, by flag name. A flag two harnesses
 * share must set the same option the same way (one parser serves them all).
 */
export function allHarnessFlags(): Record<string, HarnessFlag> {
  const all: Record<string, HarnessFlag> = {};
  for (const name of HARNESS_NAMES) {
    for (const [flag, spec] of Object.entries(HARNESSES[name].flags)) {
      const seen = all[flag];
      if (seen && (seen.option !== spec.option || seen.kind !== spec.kind)) {
        throw new Error(
          `harness flag --${flag}: ${name} reads it as ${spec.option} (${spec.kind}), another harness as ${seen.option} (${seen.kind})`,
        );
      }
      all[flag] ??= spec;
    }
  }
  return all;
}

/** The options the harness's flags set; a flag of another harness is a usage error. */
export function harnessFlagOptions(
  name: HarnessName,
  values: Record<string, unknown>,
): Record<string, unknown> {
  const own = HARNESSES[name].flags;
  const options: Record<string, unknown> = {};
  for (const flag of Object.keys(allHarnessFlags())) {
    const v = values[flag];
    if (v === undefined || v === false) continue;
    const spec = own[flag];
    if (!spec) {
      const takers = HARNESS_NAMES.filter((h) => flag in HARNESSES[h].flags);
      throw new UsageError(`--${flag} is an option of ${takers.join(', ')}, not of ${name}`);
    }
    if (spec.kind === 'int') options[spec.option] = intFlag(flag, v, 0);
    else if (spec.kind === 'number') options[spec.option] = numberFlag(flag, v);
    else options[spec.option] = spec.kind === 'true' ? true : spec.kind === 'false' ? false : v;
  }
  return options;
}

/** The harnesses and their flags, with help text, for `atelier train --help`. */
export function harnessFlagsHelp(): string {
  const lines: string[] = [];
  for (const name of HARNESS_NAMES) {
    const d = HARNESSES[name];
    lines.push(`\n  ${name}: ${d.summary} (data ${d.data.default}, size ${d.cli.size})`);
    for (const [flag, spec] of Object.entries(d.flags)) {
      const value =
        spec.kind === 'true' || spec.kind === 'false'
          ? ''
          : ` ${spec.kind === 'string' ? 'X' : 'N'}`;
      lines.push(`    --${flag}${value}  ${spec.help}`);
    }
  }
  return lines.join('\n');
}
