#!/bin/sh
# SPDX-License-Identifier: MIT
# What the managed runtimes' /var/runtime/bootstrap does before it starts the
# runtime interface client: honour AWS_LAMBDA_EXEC_WRAPPER. The wrapper must
# exist (else exit 127) and be executable (else 126); it then gets the
# runtime's whole command line (bash's `exec -- "$wrapper" "$@"` there) and
# is expected to exec it.
#   runtime.sh /path/to/python3 bootstrap.py
if [ -n "${AWS_LAMBDA_EXEC_WRAPPER:-}" ]; then
	if [ ! -f "$AWS_LAMBDA_EXEC_WRAPPER" ]; then
		echo "Cannot find wrapper script at $AWS_LAMBDA_EXEC_WRAPPER" >&2
		exit 127
	fi
	if [ ! -x "$AWS_LAMBDA_EXEC_WRAPPER" ]; then
		echo "Wrapper script at $AWS_LAMBDA_EXEC_WRAPPER is not executable" >&2
		exit 126
	fi
	exec "$AWS_LAMBDA_EXEC_WRAPPER" "$@"
fi
exec "$@"
