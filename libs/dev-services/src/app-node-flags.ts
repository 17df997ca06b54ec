/**
 * How each app's Node.js runs (by app name): in the launcher, the bench and the images (the Dockerfile and the
 * apps' `serve` targets repeat it; `tools/deploy/dockerfile.spec.ts` checks the Dockerfile).
 *
 * - The consuming apps: a young generation of 4 MiB semi-spaces instead of Node's 16 keeps them
 *   under 200 MiB resident after the lead bench; 16 MiB took 4–18 % off the CPU per lead but
 *   raised scoring above 200 MiB, and 8 MiB showed no difference the bench could separate from its
 *   noise.
 * - The gateway: its old generation grew with the request rate to 160–215 MiB resident after the
 *   lead bench (about 50 MB of it live; the rest went at the next idle collection). Growing the old
 *   generation by at most half its live size between collections (`--heap-growing-percent=50`)
 *   ended it at 174–177 MiB in four runs, with 16 MiB semi-spaces and no CPU the bench could tell
 *   apart. The same flag on the consuming apps cost them 15–30 % more CPU per event in the events
 *   bench, whose batches hold more live data.
 * - Garbage collection keeps V8's helper threads: `--single-threaded-gc` on every app cost 4–10 %
 *   more CPU per lead in three alternating pairs of lead benches (ratio 8.1–8.5 against 7.4–8.1),
 *   though it left the consuming apps 0–36 MiB smaller (the gateway 8–18 MiB larger).
 *
 * Stack traces name the compiled files (which keep the sources' names and shapes);
 * NODE_OPTIONS=--enable-source-maps maps them to the TypeScript, at about 15 MiB more per app.
 */
export function appNodeFlags(app: string): readonly string[] {
  return app === 'gateway' ? ['--max-semi-space-size=16', '--heap-growing-percent=50'] : ['--max-semi-space-size=4'];
}
