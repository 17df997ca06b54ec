/** How a server that a tool started ended on its own, for the tool to report and act on. */
export interface ServerExit {
  /** `signal SIGKILL`, `exit code 1`, … */
  how: string;
  /** How long it had been answering before it ended. */
  uptimeMs: number;
  /** Its last lines of output, indented, for the end of a message. */
  lastOutput: string;
}

/**
 * Called when a server ends without having been asked to stop. A tool that gives one takes over
 * the report (and may start the server again); without one, the server's module logs the exit.
 */
export type OnServerExit = (exit: ServerExit) => void;
