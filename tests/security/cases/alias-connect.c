// SPDX-License-Identifier: MIT
/* libc evasion: __connect, glibc's public alias of connect (GLIBC_2.2.5). */
#include <sys/socket.h>
#include <unistd.h>

#include "case.h"

extern int __connect(int fd, const struct sockaddr *sa, socklen_t len);

int main(void)
{
	struct sockaddr_storage ss;
	socklen_t len = case_addr4(&ss, "SEC_TCP_PORT");
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int r = __connect(fd, (struct sockaddr *)&ss, len);
	case_report("__connect", r);
	if (r == 0)
		case_send_tag(fd);
	return 0;
}
