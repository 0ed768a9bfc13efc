import type { Reporter, TestModule, Vitest } from 'vitest/node';

const SHOWN = 10;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Prints the ten slowest test files after a run, so a file that grew slow is seen at once.
 * A file's time is what its worker spent on it: preparing, importing it (with everything it
 * imports) and running its hooks and tests.
 */
export default class SlowestFilesReporter implements Reporter {
  private vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const timed = testModules
      .map((module) => {
        const diagnostic = module.diagnostic();
        const imported = diagnostic.collectDuration + diagnostic.setupDuration;
        const total =
          diagnostic.prepareDuration + diagnostic.environmentSetupDuration + imported + diagnostic.duration;
        return { module, imported, tests: diagnostic.duration, total };
      })
      .filter((entry) => entry.total > 0)
      .sort((a, b) => b.total - a.total)
      .slice(0, SHOWN);
    if (timed.length === 0) return;
    const width = Math.max(...timed.map((entry) => entry.module.relativeModuleId.length));
    const lines = timed.map(
      ({ module, imported, tests, total }) =>
        `  ${seconds(total).padStart(7)}  ${module.relativeModuleId.padEnd(width)}  [${module.project.name || 'default'}] import ${seconds(imported)}, tests ${seconds(tests)}`,
    );
    const log = (text: string) => (this.vitest ? this.vitest.logger.log(text) : console.log(text));
    log(`\nSlowest ${timed.length} test files:\n${lines.join('\n')}\n`);
  }
}
