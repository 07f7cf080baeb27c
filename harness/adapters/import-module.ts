/**
 * Imports a user's module by file URL (an adapter: `--impl ./my-adapter.ts`). A TypeScript
 * module needs tsx's loader; it is registered on the first such import only, so that the
 * built CLI, which is plain JavaScript, never pays for tsx unless a user's module needs it.
 * From the sources (tsx, vitest) TypeScript already loads.
 */
import { RUNNING_FROM_SOURCES } from '../running-from-sources.js';

let tsx: Promise<void> | null = null;

export function isTypeScriptModule(url: string): boolean {
  return /\.[cm]?ts$/.test(new URL(url).pathname);
}

export async function importModule(url: string): Promise<unknown> {
  if (!RUNNING_FROM_SOURCES && isTypeScriptModule(url)) {
    tsx ??= import('tsx/esm/api').then((api) => void api.register());
    await tsx;
  }
  return import(url);
}
