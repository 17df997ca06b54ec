/** Interleaves the apps' output and the launcher's own in one terminal, each line tagged with its source. */

/** Width of the source name column: `ingestion ` is the longest. */
export const NAME_WIDTH = 10;

const ANSI_COLORS: Readonly<Record<string, number>> = {
  launcher: 1, // bold
  gateway: 36,
  ingestion: 32,
  contacts: 33,
  scoring: 35,
  metrics: 34,
};

/** `gateway   | `, with the name colored when `color` is set. */
export function formatPrefix(source: string, color: boolean): string {
  const name = source.padEnd(NAME_WIDTH);
  const code = ANSI_COLORS[source] ?? 37;
  return color ? `\u001b[${code}m${name}\u001b[0m| ` : `${name}| `;
}

/** Color only on a terminal, unless NO_COLOR is set or FORCE_COLOR asks for it. */
export function shouldUseColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export class ConsoleOutput {
  constructor(private readonly color: boolean) {
    // A closed pipe (`npm start | head`) must not crash the launcher while it still owns processes.
    process.stdout.on('error', () => undefined);
    process.stderr.on('error', () => undefined);
  }

  line(source: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    const prefix = formatPrefix(source, this.color);
    (stream === 'stderr' ? process.stderr : process.stdout).write(`${prefix}${text}\n`);
  }

  lines(source: string, text: string): void {
    for (const line of text.split('\n')) this.line(source, line);
  }
}
