/**
 * How each app's Node.js runs (by app name): in the launcher, the bench and the images (the Dockerfile and the
 * apps' `serve` targets repeat it; `tools/deploy/dockerfile.spec.ts` checks the Dockerfile).
 *
 * - The consuming apps: 8 MiB semi-spaces instead of Node's 16, and an old generation grown by at
 *   most its live size between collections (`--heap-growing-percent=100`). Since their batches
 *   span an interval (EVENT_BATCH_INTERVAL_MS), 4 MiB semi-spaces alone left contacts and scoring
 *   at 159–213 MiB resident after the lead bench (over 200 in two of six runs); these flags ended
 *   them at 144–156 MiB in four runs, with CPU per lead within the bench's noise of the 4 MiB runs
 *   (normalized by the load generator's CPU: 24.6–25.6 against 24.5–25.7). 16 MiB semi-spaces
 *   with the same growth ended them at 147–178 MiB; growth capped at half the live size
 *   (`=50`) at 129–135 MiB, but for 4–9 % more CPU per lead.
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
  return app === 'gateway'
    ? ['--max-semi-space-size=16', '--heap-growing-percent=50']
    : ['--max-semi-space-size=8', '--heap-growing-percent=100'];
}
