#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI itself is bundled into dist/cli.js by `npm run build` (run by `npm install`'s prepare step).
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(`dcl-explorer: ${cli} is missing; build it first with "npm run build" in ${path.join(__dirname, '..')}\n`);
  process.exit(2);
}
require(cli).runCli();
