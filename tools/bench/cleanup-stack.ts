/**
 * What a bench run must undo (processes, streams, database, servers), undone in reverse order of
 * creation, once, whether the run ended, failed or was interrupted; one failed step does not stop the rest.
 */
interface Step {
  name: string;
  run: () => Promise<unknown>;
}

export class CleanupStack {
  private readonly steps: Step[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly log: (line: string) => void) {}

  add(name: string, run: () => Promise<unknown>): void {
    const step = { name, run };
    // Something created while the clean-up already runs (a start interrupted by Ctrl-C) goes at once.
    if (this.running) this.running = this.running.then(() => this.runStep(step));
    else this.steps.push(step);
  }

  run(): Promise<void> {
    this.running ??= this.runSteps();
    return this.running;
  }

  private async runSteps(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await this.runStep(step);
  }

  private async runStep(step: Step): Promise<void> {
    try {
      await step.run();
    } catch (error) {
      this.log(`clean-up: ${step.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
