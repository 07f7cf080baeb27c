/**
 * Renders Graphviz DOT with the `dot` program (Debian package `graphviz`). No JavaScript
 * renderer is bundled: `dot` lays out statecharts far better, and it is one apt-get away.
 * `GRAPHVIZ_DOT` names another executable (the variable other tools, e.g. PlantUML, use).
 */
import { spawnSync } from 'node:child_process';

export class GraphvizError extends Error {
  override name = 'GraphvizError';
}

export function dotExecutable(): string {
  return process.env.GRAPHVIZ_DOT || 'dot';
}

/** Runs `dot -T<format>` on the source and returns its output; a one-line GraphvizError otherwise. */
export function renderDot(source: string, format: 'svg' = 'svg'): string {
  const exe = dotExecutable();
  const run = spawnSync(exe, [`-T${format}`], { input: source, encoding: 'utf8', maxBuffer: 64 << 20 });
  // A program that exits without reading its input gives EPIPE with a status: report the status.
  if (run.error && run.status === null) {
    const code = (run.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new GraphvizError(`Graphviz '${exe}' not found: install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz), or use --format dot and render it elsewhere`);
    }
    throw new GraphvizError(`cannot run Graphviz '${exe}': ${run.error.message}`);
  }
  if (run.status !== 0) {
    const detail = (run.stderr || '').trim().split('\n')[0] || `exit status ${run.status}`;
    throw new GraphvizError(`Graphviz '${exe}' failed: ${detail}`);
  }
  return run.stdout;
}
