/**
 * The CLI's one progress display, on stderr, for every command that moves data:
 * `upload [########............] 40% 7.6 MiB / 19.0 MiB 31.2 MiB/s` or `sync [####....] 3/8 files`.
 */
import { humanBytes } from './output.js';

/** Moves smaller than this stay quiet unless `--progress` asks: 8 MiB, or 100 objects. */
const QUIET_BYTES = 8 * 1024 * 1024;
const QUIET_OBJECTS = 100;
const REDRAW_MS = 100;
const WIDTH = 20;

export interface Progress {
  /** Reports how far the move has got (`total` when known). */
  (done: number, total?: number): void;
  /** Draws the final state and ends the line (only if anything was drawn). */
  end(): void;
}

/** What decides whether progress shows: the `--progress`/`--no-progress` flags, then whether stderr is a terminal. */
export interface ProgressFlags {
  progress?: boolean | undefined;
  'no-progress'?: boolean | undefined;
}

/**
 * A progress display. `--no-progress` silences it; `--progress` shows it whatever the size, even on a
 * pipe; with neither it shows on a terminal once the move passes 8 MiB or 100 objects, never on a pipe.
 *
 * @example
 * ```ts
 * const show = progressMeter('upload', values);
 * show(loaded, total);
 * show.end();
 * ```
 */
export function progressMeter(
  label: string,
  flags: ProgressFlags,
  unit: 'bytes' | 'files' | 'objects' = 'bytes',
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const forced = flags.progress === true && flags['no-progress'] !== true;
  const allowed = forced || (flags['no-progress'] !== true && stream.isTTY === true);
  const quiet = unit === 'bytes' ? QUIET_BYTES : QUIET_OBJECTS;
  const started = Date.now();
  let drawn = false;
  let lastDraw = 0;
  let lastPercent = -1;
  let state = { done: 0, total: undefined as number | undefined };

  const draw = () => {
    const { done, total } = state;
    const percent = total ? Math.min(100, Math.floor((done / total) * 100)) : undefined;
    lastPercent = percent ?? -1;
    lastDraw = Date.now();
    drawn = true;
    stream.write(`\r${line(label, unit, done, total, percent, started)}\u001b[K`);
  };
  const show = ((done: number, total?: number) => {
    state = { done, total };
    if (!allowed) return;
    if (!forced && !drawn && done <= quiet && (total ?? 0) <= quiet) return;
    const percent = total ? Math.floor((done / total) * 100) : -1;
    if (percent === lastPercent && Date.now() - lastDraw < REDRAW_MS) return;
    draw();
  }) as Progress;
  show.end = () => {
    if (!allowed) return;
    if (drawn || forced) {
      draw();
      stream.write('\n');
    }
  };
  return show;
}

function line(
  label: string,
  unit: 'bytes' | 'files' | 'objects',
  done: number,
  total: number | undefined,
  percent: number | undefined,
  started: number,
): string {
  const filled = percent === undefined ? 0 : Math.round((percent / 100) * WIDTH);
  const bar =
    percent === undefined ? '' : ` [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${percent}%`;
  if (unit !== 'bytes') return `${label}${bar} ${done}${total === undefined ? '' : `/${total}`} ${unit}`;
  const seconds = Math.max((Date.now() - started) / 1000, 0.001);
  const of = total === undefined ? '' : ` / ${humanBytes(total)}`;
  return `${label}${bar} ${humanBytes(done)}${of} ${humanBytes(Math.round(done / seconds))}/s`;
}
