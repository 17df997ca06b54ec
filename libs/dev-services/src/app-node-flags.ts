/**
 * How every app's Node.js runs: in the launcher, the bench and the images (the Dockerfile's
 * NODE_OPTIONS and the apps' `serve` targets repeat it). A young generation of 4 MiB semi-spaces
 * instead of Node's 16 keeps the consuming apps under 200 MiB resident after the lead bench (the
 * gateway ends at 245–281 MiB); 16 MiB took 4–18 % off the CPU per lead but raised scoring above
 * 200 MiB, and 8 MiB showed no difference the bench could separate from its noise. Stack traces name the compiled files (which keep the sources' names and shapes);
 * NODE_OPTIONS=--enable-source-maps maps them to the TypeScript, at about 15 MiB more per app.
 */
export const APP_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
