import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));

/**
 * Type-checks a user's program (`tsc -p <project>`, run from `cwd`) against the BUILT packages it
 * imports, as users get them, and resolves to what tsc printed: empty when it compiled cleanly.
 */
export function typecheckProgram(cwd: string, project: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, '-p', project], { cwd, timeout: 60_000 }, (_error, stdout, stderr) =>
      resolve(`${stdout}${stderr}`),
    );
  });
}
