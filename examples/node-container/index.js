// SPDX-License-Identifier: MIT
/*
 * An example function for fnguard: greets someone and evaluates a small
 * arithmetic expression.
 *
 * VULNERABLE ON PURPOSE, so that fnguard's tests and the quickstart can
 * attack it:
 *   - "name" is formatted into a shell command line (command injection:
 *     {"name": "x; cat /etc/passwd"});
 *   - "expression" is evaluated as JavaScript (code injection:
 *     {"expression": "require('child_process').execSync('id').toString()"},
 *     or a fetch() to a host of the attacker's choosing).
 * Do not copy it. The point is what fnguard does when someone exploits it.
 */
'use strict';

const { execSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const taskRoot = process.env.LAMBDA_TASK_ROOT || __dirname;
const config = JSON.parse(fs.readFileSync(path.join(taskRoot, 'config.json'), 'utf8'));

exports.handler = async (event, context) => {
  const name = String(event.name ?? 'world');
  const greeting = execSync(`echo ${config.greeting}, ${name}`).toString().trim();
  let value = null;
  if (event.expression !== undefined) {
    // eslint-disable-next-line no-eval
    value = await eval(String(event.expression));
  }
  fs.writeFileSync('/tmp/last-greeting.txt', greeting + '\n');
  return { greeting, value, requestId: context.awsRequestId };
};
