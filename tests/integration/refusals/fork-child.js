// SPDX-License-Identifier: MIT
// child_process.fork()'s child for child.js: reads argv[2] and reports to the parent.
'use strict';
const fs = require('fs');
try {
  process.send(fs.readFileSync(process.argv[2], 'utf8'));
} catch (e) {
  process.send('error ' + e.code);
}
