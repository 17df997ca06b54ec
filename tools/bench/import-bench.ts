/**
 * `npm run bench -- --import`: one CSV import through the whole platform. Writes a CSV of
 * `--rows` contacts (fixed seed, so every run imports the same file; about 120 bytes a row, or
 * padded to `--row-bytes` with a `notes` column no field takes: `--row-bytes 1000` makes 100,000
 * rows a file of 100 MB, to watch memory during the largest upload), uploads it to `POST /api/v1/imports`, and times the upload and the job until the import
 * is completed. Meanwhile it reads the gateway's and contacts' resident memory every 200 ms and
 * reports the highest of each phase. Exits 1 when the whole import takes longer than the target.
 */
import { SERVICE_NAMES, type ImportView, type ServiceName } from '@leadflow/contracts';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import type { AppProcess } from './app-process';
import { residentMemory } from './memory';
import { deleteNamespaceStreams, PlatformTarget } from './platform-target';

/** The target: 100,000 rows in under 60 s, upload included. */
export const IMPORT_TARGET_S = 60;
const MEMORY_EVERY_MS = 200;
const POLL_EVERY_MS = 250;

export interface ImportBenchRun {
  runId: string;
  distDir: string;
  appDatabaseUrls: Record<ServiceName, string>;
  natsUrl: string;
  adminKey: string;
  intakeKey: string;
  signal: AbortSignal;
  cleanup: { add(label: string, action: () => Promise<unknown> | unknown): void };
  options: { importRows: number; importRowBytes: number; profileDir: string | undefined };
}

export interface ImportBenchReport {
  rows: number;
  bytes: number;
  uploadS: number;
  processS: number;
  totalS: number;
  rowsPerSecond: number;
  created: number;
  duplicates: number;
  errors: number;
  /** Highest resident memory in MiB while the file was uploaded, and while the job read it. */
  peakMiB: { upload: Record<string, number>; processing: Record<string, number> };
  loadAverage: { start: number; end: number };
  verdict: 'PASS' | 'FAIL';
}

/** A small deterministic generator (mulberry32): the same seed makes the same file. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ana', 'Bo', 'Chen', 'Dara', 'Emil', 'Farah', 'Gus', 'Hana', 'Ivo', 'Jun'];
const LAST = ['Lima', 'Okafor', 'Müller', 'Smith', 'Tanaka', 'García', 'Novak', "O'Brien", 'Rossi', 'Kowalski'];
const COUNTRIES = ['DE', 'FR', 'ES', 'IT', 'PL', 'NL'];

/** Writes the bench's CSV: unique people, valid emails and phones, quoted fields with commas, padded rows. */
export async function writeImportFile(file: string, rows: number, rowBytes: number, seed = 17): Promise<number> {
  const random = seeded(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const out = createWriteStream(file);
  out.write('email,phone,firstName,lastName,company,title,country,tags,notes\n');
  for (let i = 0; i < rows; i += 1) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const line =
      `${first.toLowerCase()}.${i}@example.com,+49151${String(10_000_000 + i).padStart(8, '0')},${first},"${last}",` +
      `"Acme, ${Math.floor(random() * 1000)}",Buyer,${pick(COUNTRIES)},"lead;bench",`;
    const padding = rowBytes === 0 ? 0 : Math.max(0, rowBytes - Buffer.byteLength(line) - 1);
    if (!out.write(`${line}${'x'.repeat(padding)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return (await stat(file)).size;
}

function uploadFile(baseUrl: string, adminKey: string, file: string, bytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${baseUrl}/api/v1/imports?fileName=${encodeURIComponent(path.basename(file))}`,
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'text/csv', 'Content-Length': bytes },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    createReadStream(file).pipe(request);
  });
}

/** Highest resident memory of each process while it runs. */
class MemoryPeaks {
  private peaks: Record<string, number> = {};
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: ReadonlyMap<string, number>) {}

  start(): void {
    this.peaks = {};
    this.timer = setInterval(() => void this.sample(), MEMORY_EVERY_MS);
  }

  async stop(): Promise<Record<string, number>> {
    clearInterval(this.timer);
    await this.sample();
    return Object.fromEntries(Object.entries(this.peaks).map(([name, mib]) => [name, Math.round(mib)]));
  }

  private async sample(): Promise<void> {
    for (const [name, mib] of Object.entries(await residentMemory(this.pids))) this.peaks[name] = Math.max(this.peaks[name] ?? 0, mib);
  }
}

export async function benchImport(run: ImportBenchRun, log: (line: string) => void): Promise<ImportBenchReport> {
  const { importRows: rows, importRowBytes: rowBytes } = run.options;
  const file = path.join(path.dirname(run.distDir), `import-${run.runId}.csv`);
  run.cleanup.add(`remove ${path.basename(file)}`, () => rm(file, { force: true }));
  const bytes = await writeImportFile(file, rows, rowBytes);
  log(`import: wrote ${rows} rows, ${(bytes / 1024 / 1024).toFixed(1)} MiB, to ${path.basename(file)}`);

  const namespace = `bench${run.runId}`;
  run.cleanup.add(`delete the streams of ${namespace}`, () => deleteNamespaceStreams(run.natsUrl, namespace));
  log('import: starting gateway, ingestion, contacts, scoring, metrics');
  const platform = await PlatformTarget.start(
    {
      distDir: run.distDir,
      databaseUrls: run.appDatabaseUrls,
      natsUrl: run.natsUrl,
      namespace,
      adminKey: run.adminKey,
      intakeKey: run.intakeKey,
      profileDir: run.options.profileDir,
    },
    (app: AppProcess) => run.cleanup.add(`stop ${app.name}`, () => app.stop()),
  );
  const watched = new Map([...platform.pids()].filter(([service]) => service === 'gateway' || service === 'contacts'));
  const loadAtStart = os.loadavg()[0];
  const memory = new MemoryPeaks(watched);

  memory.start();
  const started = Date.now();
  const answer = await uploadFile(platform.baseUrl, run.adminKey, file, bytes);
  const uploaded = Date.now();
  const uploadPeaks = await memory.stop();
  if (answer.status !== 202) throw new Error(`POST /api/v1/imports answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  const id = (JSON.parse(answer.body) as ImportView).id;
  log(`import: uploaded in ${((uploaded - started) / 1000).toFixed(1)} s, import ${id}`);

  memory.start();
  let view: ImportView | undefined;
  let lastLog = Date.now();
  for (;;) {
    run.signal.throwIfAborted();
    const response = await fetch(`${platform.baseUrl}/api/v1/imports/${id}`, { headers: { Authorization: `Bearer ${run.adminKey}` } });
    if (response.status === 200) view = (await response.json()) as ImportView;
    if (view?.status === 'completed' || view?.status === 'failed') break;
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      log(`import: ${view?.rowsDone ?? 0} rows read so far`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
  }
  const finished = Date.now();
  if (!view) throw new Error(`import ${id} could not be read`);
  const processingPeaks = await memory.stop();
  const crashes = platform.crashes();
  await platform.stop();
  if (crashes.length > 0) throw new Error(`apps crashed: ${crashes.join('; ')}`);

  const totalS = (finished - started) / 1000;
  const report: ImportBenchReport = {
    rows,
    bytes,
    uploadS: (uploaded - started) / 1000,
    processS: (finished - uploaded) / 1000,
    totalS,
    rowsPerSecond: Math.round(rows / totalS),
    created: view.created,
    duplicates: view.duplicates,
    errors: view.errors,
    peakMiB: { upload: uploadPeaks, processing: processingPeaks },
    loadAverage: { start: Number(loadAtStart.toFixed(2)), end: Number(os.loadavg()[0].toFixed(2)) },
    verdict: view.status === 'completed' && view.created === rows && totalS < IMPORT_TARGET_S ? 'PASS' : 'FAIL',
  };
  const target = path.join(path.dirname(run.distDir), `import-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(target, `${JSON.stringify(report, null, 2)}\n`);
  log(`import: report written to ${path.relative(process.cwd(), target)}`);
  return report;
}

export function renderImportReport(report: ImportBenchReport): string {
  const mib = (peaks: Record<string, number>) =>
    SERVICE_NAMES.filter((service) => peaks[service] !== undefined)
      .map((service) => `${service} ${peaks[service]} MiB`)
      .join(', ');
  return [
    '',
    `CSV import: ${report.rows} rows, ${(report.bytes / 1024 / 1024).toFixed(1)} MiB`,
    `  upload      ${report.uploadS.toFixed(1)} s   (peak RSS: ${mib(report.peakMiB.upload)})`,
    `  processing  ${report.processS.toFixed(1)} s   (peak RSS: ${mib(report.peakMiB.processing)})`,
    `  total       ${report.totalS.toFixed(1)} s   ${report.rowsPerSecond} rows/s   (target: under ${IMPORT_TARGET_S} s)`,
    `  created ${report.created}, duplicates ${report.duplicates}, errors ${report.errors}`,
    `  load average ${report.loadAverage.start} at start, ${report.loadAverage.end} at end (${os.cpus().length} CPUs, shared)`,
    `  verdict: ${report.verdict}`,
    '',
  ].join('\n');
}
