import cliProgress from "cli-progress";
import type { DownloadProgress, ProgressInfo } from "../pipelines/types.js";

function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/**
 * A progress bar on stderr showing the step, it/s and ETA. Drawn live on a terminal; when forced on a
 * non-terminal (`--progress` with stderr redirected) it prints plain lines at a low rate instead.
 */
export class StepProgressBar {
  private readonly bar: cliProgress.SingleBar;
  private started = false;

  constructor(label: string, stream: NodeJS.WriteStream = process.stderr) {
    this.bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} {bar} step {value}/{total} | {speed} it/s | ETA {etaText}`,
        hideCursor: stream.isTTY === true,
        noTTYOutput: stream.isTTY !== true,
        notTTYSchedule: 2000,
        clearOnComplete: false,
        barsize: 24,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  /** The `progress` callback to hand to `pipe.generate`. */
  readonly update = (info: ProgressInfo): void => {
    const payload = { speed: info.stepsPerSecond.toFixed(2), etaText: formatDuration(info.etaMs) };
    if (!this.started) {
      this.bar.start(info.totalSteps, info.step, payload);
      this.started = true;
    }
    this.bar.update(info.step, payload);
  };

  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }
}

function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KiB`;
  return `${n} B`;
}

/**
 * Hub download progress on stderr: one line per file, rewritten in place on a terminal, printed once
 * when the file is complete otherwise.
 */
export class DownloadProgressLine {
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  readonly update = (event: DownloadProgress): void => {
    const pct = event.total > 0 ? Math.floor((100 * event.downloaded) / event.total) : 100;
    const text = `downloading ${event.file} ${formatBytes(event.downloaded)}/${formatBytes(event.total)} (${pct}%)`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${text}\x1b[K${event.done ? "\n" : ""}`);
    } else if (event.done) {
      this.stream.write(`${text}\n`);
    }
  };
}
