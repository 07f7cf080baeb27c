/** Whether two paths name the same existing file (through links and relative paths): outputs must never replace inputs. */
import fs from 'node:fs';

export function sameFile(a: string, b: string): boolean {
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}
