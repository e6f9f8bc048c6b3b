import { AtelierError } from '@atelier/core';
import { commands } from './commands/registry.js';
import { UsageError } from './errors.js';

function help(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    'usage: atelier <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    "'atelier <command> --help' shows a command's options.",
  ].join('\n');
}

/** Runs the CLI; returns the exit code. Errors a user can fix are one line, not a stack. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`atelier: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`usage: ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`atelier ${name}: ${error.message}\nusage: ${command.usage}`);
      return 2;
    }
    if (error instanceof AtelierError) {
      console.error(`atelier ${name}: ${error.name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
