// SPDX-License-Identifier: MIT
/* network: an AF_VSOCK socket, the channel from a Firecracker guest to its host. */
#include <stdio.h>
#include <sys/socket.h>

#include "case.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

int main(void)
{
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	case_report("socket(AF_VSOCK)", fd);
	if (fd >= 0)
		printf("vsock-socket=open\n");
	return 0;
}
