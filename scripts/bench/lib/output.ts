import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const RESULTS = join(__dirname, '..', '..', '..', 'docs', 'bench');

/** Writes a benchmark's raw results to docs/bench/<name>.json and says where. */
export function writeResults(name: string, data: unknown): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify(data, null, 2)}\n`);
  process.stdout.write(`written to docs/bench/${name}.json\n`);
}

/** Runs a benchmark's main function; a failure prints its stack and exits non-zero. */
export function runBenchmark(main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

/**
 * A benchmark run at another LL-HLS part length than the default (BROADCAST_PART_SECONDS in the
 * environment): the setting to start Plenary with, and the results file name that keeps each
 * part length's run apart (name-parts-0.5), so runs side by side do not overwrite each other.
 */
export function partLengthRun(name: string): { env: NodeJS.ProcessEnv; results: string } {
  const part = process.env.BROADCAST_PART_SECONDS;
  return part ? { env: { BROADCAST_PART_SECONDS: part }, results: `${name}-parts-${part}` } : { env: {}, results: name };
}
