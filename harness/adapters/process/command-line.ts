/**
 * Splits `--impl cmd:"..."` into a program and its arguments, without a shell: no
 * variables, globs, pipes or redirections, only POSIX-style quoting (spec/DRIVER.md):
 * - whitespace separates arguments;
 * - '...' keeps everything inside literally;
 * - "..." keeps everything inside, where \" and \\ stand for " and \;
 * - outside quotes, a backslash makes the next character literal.
 */
export function splitCommandLine(line: string): string[] | { error: string } {
  const args: string[] = [];
  let current = '';
  let inArg = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { error: `unterminated ' quote at character ${i + 1}` };
      current += line.slice(i + 1, end);
      inArg = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && (line[j + 1] === '"' || line[j + 1] === '\\')) j++;
        current += line[j];
      }
      if (j >= line.length) return { error: `unterminated " quote at character ${i + 1}` };
      inArg = true;
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return { error: 'a backslash at the end of the command line' };
      current += line[++i];
      inArg = true;
    } else if (/\s/.test(c)) {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
    } else {
      current += c;
      inArg = true;
    }
  }
  if (inArg) args.push(current);
  if (args.length === 0) return { error: 'the command line is empty' };
  return args;
}
