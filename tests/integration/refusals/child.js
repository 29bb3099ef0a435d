// SPDX-License-Identifier: MIT
// Run by test-refusals.py under the shim: one check, named by argv[2], in the fixture
// directory argv[3] (its denied/ and allowed/ halves); prints one JSON line: what the
// operation the profile does not allow did ("denied": a value or the error) and what an
// allowed operation of the same kind did after it ("after"). Exits by itself (a handle
// left open by a refusal would show as a hang).
'use strict';
const fs = require('fs');
const path = require('path');
const cp = require('child_process');

const [CHECK, F] = process.argv.slice(2);
const CFG = JSON.parse(process.env.REFUSAL_CFG);
const D = path.join(F, 'denied');
const A = path.join(F, 'allowed');
const SECRET = path.join(D, 'secret.txt');
const OK = path.join(A, 'ok.txt');
const LINK = path.join(CFG.tmp, path.basename(F) + '-link');
const P = CFG.ports;

function errInfo(e) {
  if (!(e instanceof Error)) return { exc: 'non-Error', msg: String(e) };
  return { exc: e.constructor.name, code: e.code === undefined ? null : e.code,
           errno: e.errno === undefined ? null : e.errno, syscall: e.syscall || null,
           status: e.status === undefined ? null : e.status, msg: String(e.message).slice(0, 300),
           cause: e.cause && e.cause.code ? e.cause.code : null };
}

async function attempt(fn) {
  try {
    const v = await fn();
    return { value: v === undefined ? null : v };
  } catch (e) {
    return errInfo(e);
  }
}

// Promise helpers around callback and event APIs.
const streamRead = (p) => new Promise((resolve, reject) => {
  let data = '';
  fs.createReadStream(p, 'utf8').on('data', (c) => { data += c; })
    .on('end', () => resolve(data)).on('error', reject);
});
const streamWrite = (p) => new Promise((resolve, reject) => {
  const s = fs.createWriteStream(p);
  s.on('error', reject);
  s.end('x', (e) => (e ? reject(e) : resolve(true)));
});
const watch = (p) => { const w = fs.watch(p); w.close(); return true; };
const cb = (fn) => new Promise((resolve, reject) =>
  fn((err, out) => (err ? reject(err) : resolve(out))));
const spawnP = (file, args, opts) => new Promise((resolve, reject) => {
  const c = cp.spawn(file, args, opts || {});
  let out = '';
  if (c.stdout) c.stdout.on('data', (d) => { out += d; });
  c.on('error', reject);
  c.on('close', (code, sig) => resolve([code, sig, out]));
});
const execFileP = (file, args) => cb((k) => cp.execFile(file, args, (e, so) => k(e, so)));
const execP = (cmd) => cb((k) => cp.exec(cmd, (e, so) => k(e, so)));
const execSync = (cmd) => cp.execSync(cmd, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

function requireFresh(p) {
  return require(p).VALUE;
}

function requireName(dir, name) {
  module.paths.unshift(dir);
  try {
    return require(name).VALUE;
  } finally {
    module.paths.shift();
  }
}

const net = require('net');
const connect = (port, host, unixPath) => new Promise((resolve, reject) => {
  const s = net.connect(unixPath ? { path: unixPath } : { port, host: host || '127.0.0.1' });
  s.on('connect', () => { s.destroy(); resolve(true); });
  s.on('error', reject);
});
const listen = (port) => new Promise((resolve, reject) => {
  const srv = net.createServer();
  srv.on('error', reject);
  srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
});
const httpGet = (url) => new Promise((resolve, reject) => {
  require('http').get(url, (res) => {
    let body = '';
    res.on('data', (c) => { body += c; });
    res.on('end', () => resolve(body));
  }).on('error', reject);
});
const dns = () => require('dns');
const lookup = (name) => cb((k) => dns().lookup(name, { family: 4 }, (e, a) => k(e, a)));
const resolve4 = (name) => cb((k) => dns().resolve4(name, k));
const udpSend = (port) => new Promise((resolve, reject) => {
  const s = require('dgram').createSocket('udp4');
  s.on('error', (e) => { s.close(); reject(e); });
  s.send('refusals', port, '127.0.0.1', (e, n) => { s.close(); if (e) reject(e); else resolve(n); });
});
const worker = (p) => new Promise((resolve, reject) => {
  const { Worker } = require('worker_threads');
  const w = new Worker(
    "const fs = require('fs'); const { parentPort, workerData } = require('worker_threads');" +
    "try { parentPort.postMessage(fs.readFileSync(workerData, 'utf8')); }" +
    "catch (e) { parentPort.postMessage('error ' + e.code); }",
    { eval: true, workerData: p });
  let msg = null;
  w.on('message', (m) => { msg = m; });
  w.on('error', reject);
  w.on('exit', (code) => resolve([code, msg]));
});

// libz is no addon: "did not self-register" says it was loaded (and its constructors ran).
const dlopen = (p) => {
  try {
    process.dlopen({ exports: {} }, p);
  } catch (e) {
    if (/did not self-register/.test(e.message)) return 'loaded';
    throw e;
  }
  return 'loaded';
};
const fetchText = async (url) => (await fetch(url)).text();
const fork = (p) => new Promise((resolve, reject) => {
  const c = cp.fork(path.join(CFG.scripts, 'fork-child.js'), [p], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let msg = null;
  c.on('message', (m) => { msg = m; });
  c.on('error', reject);
  c.on('exit', (code) => resolve([code, msg]));
});
const workerDlopen = (p) => new Promise((resolve, reject) => {
  const { Worker } = require('worker_threads');
  const w = new Worker(
    "const { parentPort, workerData } = require('worker_threads');" +
    "try { process.dlopen({ exports: {} }, workerData); parentPort.postMessage('loaded'); }" +
    "catch (e) { parentPort.postMessage(/did not self-register/.test(e.message) ? 'loaded' : e.message); }",
    { eval: true, workerData: p });
  let msg = null;
  w.on('message', (m) => { msg = m; });
  w.on('error', reject);
  w.on('exit', (code) => resolve([code, msg]));
});
const chdirRead = (dir, name) => {
  const here = process.cwd();
  process.chdir(dir);
  try {
    return fs.readFileSync(name, 'utf8');
  } finally {
    process.chdir(here);
  }
};
const reverse = (a) => cb((k) => dns().reverse(a, k));

const CHECKS = {
  'read-sync': [() => fs.readFileSync(SECRET, 'utf8'), () => fs.readFileSync(OK, 'utf8')],
  'write-sync': [() => fs.appendFileSync(SECRET, 'x'), () => fs.appendFileSync(OK, 'x')],
  'create-sync': [() => fs.writeFileSync(path.join(D, 'new.txt'), 'x', { flag: 'wx' }),
                  () => fs.writeFileSync(path.join(A, 'new.txt'), 'x', { flag: 'wx' })],
  'unlink-sync': [() => fs.unlinkSync(SECRET), () => fs.unlinkSync(OK)],
  'rename-from': [() => fs.renameSync(SECRET, path.join(A, 'stolen.txt')),
                  () => fs.renameSync(OK, path.join(A, 'moved.txt'))],
  'rename-into': [() => { fs.writeFileSync(path.join(A, 'plant.txt'), 'x');
                          fs.renameSync(path.join(A, 'plant.txt'), path.join(D, 'plant.txt')); },
                  () => fs.renameSync(OK, path.join(A, 'moved.txt'))],
  'mkdir-sync': [() => fs.mkdirSync(path.join(D, 'newdir')),
                 () => fs.mkdirSync(path.join(A, 'newdir'))],
  'rmdir-sync': [() => fs.rmdirSync(path.join(D, 'sub')), () => fs.rmdirSync(path.join(A, 'sub'))],
  'stat-sync': [() => fs.statSync(SECRET).size, () => fs.statSync(OK).size],
  'lstat-sync': [() => fs.lstatSync(SECRET).size, () => fs.lstatSync(OK).size],
  'exists-sync': [() => fs.existsSync(SECRET), () => fs.existsSync(OK)],
  'readdir-sync': [() => fs.readdirSync(D).sort(), () => fs.readdirSync(A).sort().slice(0, 3)],
  'opendir-sync': [() => { const d = fs.opendirSync(D); const e = d.readSync(); d.closeSync();
                           return e && e.name; },
                   () => { const d = fs.opendirSync(A); const e = d.readSync(); d.closeSync();
                           return !!e; }],
  'read-callback': [() => cb((k) => fs.readFile(SECRET, 'utf8', k)),
                    () => cb((k) => fs.readFile(OK, 'utf8', k))],
  'promises-read': [() => fs.promises.readFile(SECRET, 'utf8'),
                    () => fs.promises.readFile(OK, 'utf8')],
  'promises-write': [() => fs.promises.writeFile(path.join(D, 'p.txt'), 'x'),
                     () => fs.promises.writeFile(path.join(A, 'p.txt'), 'x')],
  'promises-readdir': [async () => (await fs.promises.readdir(D)).sort(),
                       async () => (await fs.promises.readdir(A)).sort().slice(0, 3)],
  'promises-stat': [async () => (await fs.promises.stat(SECRET)).size,
                    async () => (await fs.promises.stat(OK)).size],
  'promises-unlink': [() => fs.promises.unlink(SECRET), () => fs.promises.unlink(OK)],
  'promises-copyfile': [() => fs.promises.copyFile(SECRET, path.join(A, 'copy.txt')),
                        () => fs.promises.copyFile(OK, path.join(A, 'copy.txt'))],
  'watch-dir': [() => watch(D), () => watch(A)],
  'watch-file': [() => watch(SECRET), () => watch(OK)],
  'read-stream': [() => streamRead(SECRET), () => streamRead(OK)],
  'write-stream': [() => streamWrite(path.join(D, 's.txt')), () => streamWrite(path.join(A, 's.txt'))],
  'symlink': [() => fs.readFileSync(LINK, 'utf8'), () => fs.readFileSync(OK, 'utf8')],
  'require-path': [() => requireFresh(path.join(D, 'mod_denied.js')),
                   () => requireFresh(path.join(A, 'mod_ok.js'))],
  'require-package': [() => requireName(path.join(D, 'node_modules'), 'denied_pkg'),
                      () => requireName(path.join(A, 'node_modules'), 'ok_pkg')],
  'dlopen': [() => dlopen(path.join(D, 'libdenied.so')),
             () => dlopen(path.join(A, 'liballowed.so'))],
  'spawn': [() => spawnP('/usr/bin/id', ['-u']), () => spawnP('/usr/bin/echo', ['ok'])],
  'spawn-sync': [() => { const r = cp.spawnSync('/usr/bin/id', ['-u']);
                         if (r.error) throw r.error; return [r.status, String(r.stdout)]; },
                 () => { const r = cp.spawnSync('/usr/bin/echo', ['ok']);
                         if (r.error) throw r.error; return [r.status, String(r.stdout)]; }],
  'exec-file': [() => execFileP('/usr/bin/id', ['-u']), () => execFileP('/usr/bin/echo', ['ok'])],
  'exec-sync': [() => execSync('/usr/bin/id -u'), () => execFileP('/usr/bin/echo', ['ok'])],
  'exec-shell': [() => execP('/usr/bin/id -u'), () => execFileP('/usr/bin/echo', ['ok'])],
  'shell-inner': [() => execSync('/usr/bin/id -u'), () => execSync('/usr/bin/echo ok')],
  'connect': [() => connect(P.tcp_denied), () => connect(P.tcp_allowed)],
  'connect-name': [() => connect(P.tcp_allowed, 'denied.test'),
                   () => connect(P.tcp_allowed, 'allowed.test')],
  'http-addr': [() => httpGet(`http://127.0.0.1:${P.http_denied}/`),
                () => httpGet(`http://127.0.0.1:${P.http_allowed}/`)],
  'http-name': [() => httpGet(`http://denied.test:${P.http_allowed}/`),
                () => httpGet(`http://allowed.test:${P.http_allowed}/`)],
  'dns-lookup': [() => lookup('denied.test'), () => lookup('allowed.test')],
  'dns-resolve4': [() => resolve4('denied.test'), () => resolve4('allowed.test')],
  'dns-promises-resolve4': [() => dns().promises.resolve4('denied.test'),
                            () => dns().promises.resolve4('allowed.test')],
  'udp-send': [() => udpSend(P.udp_denied), () => udpSend(P.udp_allowed)],
  'listen': [() => listen(P.bind_denied), () => listen(P.bind_allowed)],
  'worker': [() => worker(SECRET), () => worker(OK)],
  'realpath-native': [() => fs.realpathSync.native(path.join(D, 'link')),
                      () => fs.realpathSync.native(path.join(A, 'link'))],
  'promises-realpath': [() => fs.promises.realpath(path.join(D, 'link')),
                        () => fs.promises.realpath(path.join(A, 'link'))],
  'realpath-js': [() => fs.realpathSync(path.join(D, 'link')),
                  () => fs.realpathSync(path.join(A, 'link'))],
  'access-sync': [() => { fs.accessSync(SECRET); return true; },
                  () => { fs.accessSync(OK); return true; }],
  'cp-sync': [() => fs.cpSync(D, path.join(A, 'cp'), { recursive: true }),
              () => fs.cpSync(path.join(A, 'sub'), path.join(A, 'cp2'), { recursive: true })],
  'rm-sync': [() => fs.rmSync(D, { recursive: true, force: true }),
              () => fs.rmSync(path.join(A, 'sub'), { recursive: true, force: true })],
  'mkdtemp': [() => path.dirname(fs.mkdtempSync(path.join(D, 'x-'))) === D,
              () => path.dirname(fs.mkdtempSync(path.join(A, 'x-'))) === A],
  'chdir-read': [() => chdirRead(D, 'secret.txt'), () => chdirRead(A, 'ok.txt')],
  'fork': [() => fork(SECRET), () => fork(OK)],
  'fetch': [() => fetchText(`http://127.0.0.1:${P.http_denied}/`),
            () => fetchText(`http://127.0.0.1:${P.http_allowed}/`)],
  'fetch-name': [() => fetchText(`http://denied.test:${P.http_allowed}/`),
                 () => fetchText(`http://allowed.test:${P.http_allowed}/`)],
  'dns-reverse': [() => reverse('192.0.2.1'), () => resolve4('allowed.test')],
  'unix-connect': [() => connect(undefined, undefined, path.join(D, 'srv.sock')),
                   () => connect(undefined, undefined, path.join(A, 'srv.sock'))],
  'worker-dlopen': [() => workerDlopen(path.join(D, 'libdenied.so')),
                    () => workerDlopen(path.join(A, 'liballowed.so'))],
  'require-wildcard': [() => requireFresh(path.join(A, 'mod_ok.js')),
                       () => fs.readFileSync(OK, 'utf8')],
  'shipped-dns': [() => lookup('allowed.test'), () => resolve4('allowed.test')],
};

(async () => {
  const [denied, after] = CHECKS[CHECK];
  const result = { denied: await attempt(denied) };
  result.after = await attempt(after);
  process.stdout.write(JSON.stringify(result) + '\n');
})();
