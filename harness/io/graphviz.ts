/**
 * Renders Graphviz DOT to SVG with Graphviz itself compiled to WebAssembly (the npm package
 * `@viz-js/viz`): the same layout engine as the `dot` program, with nothing to install beside
 * Node. The module (about 1 MB) is loaded on first use only, so other commands start as fast.
 */
import type { Viz } from '@viz-js/viz';

export class GraphvizError extends Error {
  override name = 'GraphvizError';
}

let viz: Promise<Viz> | undefined;

/** One Graphviz instance per process: compiling the WebAssembly takes ~0.1 s, a render far less. */
function graphviz(): Promise<Viz> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  return viz;
}

/**
 * Lays out the DOT source and returns the SVG. Any error Graphviz reports (the `dot` program
 * would exit non-zero on it; warnings are ignored as `dot` ignores them) is a one-line
 * GraphvizError.
 */
export async function renderDot(source: string, format: 'svg' = 'svg'): Promise<string> {
  const result = (await graphviz()).render(source, { format });
  const errors = result.errors.filter((e) => e.level !== 'warning').map((e) => e.message.trim().replace(/\s+/g, ' '));
  if (result.status === 'failure' || errors.length > 0) {
    throw new GraphvizError(`Graphviz could not render the ${format}: ${errors.join('; ') || 'no reason given'}`);
  }
  return result.output;
}
