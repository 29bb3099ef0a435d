// SPDX-License-Identifier: MIT
/*
 * A minimal Node.js runtime interface client, node core only: what AWS's
 * aws-lambda-nodejs-runtime-interface-client does, reduced to the loop.
 *
 * Init: require the handler named by _HANDLER ("module.function", the module
 * relative to LAMBDA_TASK_ROOT); a failure is posted to /runtime/init/error
 * and ends the process. Then, forever: GET the next event, set
 * process.env._X_AMZN_TRACE_ID from Lambda-Runtime-Trace-Id (as the managed
 * runtime does, so child processes inherit it), call handler(event, context)
 * (async, or callback style when it takes three arguments), POST the result
 * to .../response or the error to .../error. A failing handler never ends
 * the loop.
 *
 *   AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 _HANDLER=index.handler \
 *       LAMBDA_TASK_ROOT=examples/node-container node bootstrap.js
 */
'use strict';

const http = require('http');
const path = require('path');

const API = '/2018-06-01/runtime';
const address = process.env.AWS_LAMBDA_RUNTIME_API || '';
const colon = address.lastIndexOf(':');
const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
const port = Number(address.slice(colon + 1));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, route, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host, port, method, path: API + route, agent, headers: headers || {} },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function log(level, message, requestId) {
  const line = { timestamp: new Date().toISOString(), level, message, logger: 'bootstrap' };
  if (requestId) line.requestId = requestId;
  process.stdout.write(JSON.stringify(line) + '\n');
}

function errorPayload(err, requestId) {
  const e = err instanceof Error ? err : new Error(String(err));
  const out = {
    errorType: e.name || 'Error',
    errorMessage: e.message,
    stackTrace: String(e.stack || '').split('\n').slice(1).map((s) => s.trim()),
  };
  if (requestId) out.requestId = requestId;
  return out;
}

async function post(route, payload, errorType) {
  const headers = { 'Content-Type': 'application/json' };
  if (errorType) headers['Lambda-Runtime-Function-Error-Type'] = errorType;
  const res = await request('POST', route, JSON.stringify(payload), headers);
  if (res.status !== 202) log('ERROR', `the Runtime API refused ${route}: ${res.status}`);
}

async function loadHandler() {
  const name = process.env._HANDLER || '';
  const dot = name.lastIndexOf('.');
  const root = process.env.LAMBDA_TASK_ROOT || '/var/task';
  try {
    if (dot <= 0) throw new Error(`bad handler '${name}': expected module.function`);
    const mod = require(path.resolve(root, name.slice(0, dot)));
    const fn = mod[name.slice(dot + 1)];
    if (typeof fn !== 'function') throw new Error(`${name} is not a function`);
    return fn;
  } catch (e) {
    log('ERROR', `init failed: ${e.message}`);
    await post('/init/error', errorPayload(e), 'Runtime.ImportModuleError');
    process.exit(1);
  }
}

function context(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms'] || 0);
  return {
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

function invoke(handler, event, ctx) {
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const r = handler(event, ctx, (err, result) => (err ? reject(err) : resolve(result)));
      if (r && typeof r.then === 'function') r.then(resolve, reject);
    });
  }
  return Promise.resolve().then(() => handler(event, ctx));
}

async function main() {
  const handler = await loadHandler();
  for (;;) {
    const next = await request('GET', '/invocation/next');
    if (next.status !== 200) {
      log('ERROR', `invocation/next answered ${next.status}: the runtime stops`);
      process.exit(1);
    }
    const requestId = next.headers['lambda-runtime-aws-request-id'];
    const trace = next.headers['lambda-runtime-trace-id'];
    if (trace) process.env._X_AMZN_TRACE_ID = trace;
    else delete process.env._X_AMZN_TRACE_ID;
    let payload;
    try {
      const event = next.body.length ? JSON.parse(next.body.toString('utf8')) : null;
      const result = await invoke(handler, event, context(next.headers));
      payload = JSON.stringify(result === undefined ? null : result);
    } catch (e) {
      log('ERROR', `${(e && e.name) || 'Error'}: ${e && e.message}`, requestId);
      await post(`/invocation/${requestId}/error`, errorPayload(e, requestId), 'Unhandled');
      continue;
    }
    const res = await request('POST', `/invocation/${requestId}/response`, payload, {
      'Content-Type': 'application/json',
    });
    if (res.status !== 202) log('ERROR', `the Runtime API refused the response: ${res.status}`);
  }
}

main().catch((e) => {
  log('FATAL', `the runtime failed: ${e && e.stack}`);
  process.exit(1);
});
