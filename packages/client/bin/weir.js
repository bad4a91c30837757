#!/usr/bin/env node
// The `weir` command. A file that exists before the package is built, so that npm links it into
// node_modules/.bin when a workspace is installed (npm skips a bin whose file is missing); it runs
// the built CLI.
'use strict';
const { main } = require('../dist/cli/weir.js');

main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
