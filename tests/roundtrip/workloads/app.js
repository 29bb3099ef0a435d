// SPDX-License-Identifier: MIT
// The Node.js twin of app.py: configuration, /tmp, a command, HTTP on loopback.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { execFileSync } = require('child_process');

const config = JSON.parse(fs.readFileSync(path.join(__dirname, 'config.json'), 'utf8'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-'));
const out = path.join(dir, 'result.txt');
fs.writeFileSync(out, config.greeting);
const data = fs.readFileSync(out, 'utf8');
fs.rmSync(dir, { recursive: true });
const echo = execFileSync('/bin/echo', ['hello', data], { encoding: 'utf8' }).trim();
http.get({ host: '127.0.0.1', port: Number(process.argv[2]), path: '/' }, (res) => {
  let body = '';
  res.on('data', (c) => { body += c; });
  res.on('end', () => {
    console.log(JSON.stringify({ echo, body: body.trim() }));
  });
}).on('error', (e) => { console.log(JSON.stringify({ echo, error: e.message })); process.exitCode = 1; });
