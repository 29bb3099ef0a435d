// SPDX-License-Identifier: MIT
// The smallest realistic Node.js function: reads its event and environment,
// logs, keeps a file in /tmp, answers. Used to record the shipped nodejs
// profile and to test a function that needs nothing beyond it.
'use strict';

const fs = require('fs');

const COUNT_FILE = '/tmp/hello-count';

exports.handler = async (event, context) => {
  let count = 0;
  if (fs.existsSync(COUNT_FILE)) count = Number(fs.readFileSync(COUNT_FILE, 'utf8')) || 0;
  count += 1;
  await fs.promises.writeFile(COUNT_FILE, String(count));
  console.log(JSON.stringify({ level: 'INFO', message: 'hello', requestId: context.awsRequestId }));
  return {
    hello: event.name ?? 'world',
    count,
    at: new Date().toISOString(),
    region: process.env.AWS_REGION,
    remainingMs: context.getRemainingTimeInMillis(),
  };
};
