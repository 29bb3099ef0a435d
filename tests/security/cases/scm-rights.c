// SPDX-License-Identifier: MIT
/*
 * network: a socket already connected to the forbidden listener, received
 * over SCM_RIGHTS from a unix socket the profile allows ($SEC_PASS_SOCK,
 * served by the runner), then used to send the tag.
 */
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "case.h"

int main(void)
{
	const char *path = case_env("SEC_PASS_SOCK");
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sun.sun_path))
		return 2;
	strcpy(sun.sun_path, path);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	int r = connect(s, (struct sockaddr *)&sun, sizeof(sun));
	case_report("connect(pass socket)", r);
	if (r < 0)
		return 0;
	char byte, control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control)};
	ssize_t n = recvmsg(s, &msg, 0);
	case_report("recvmsg", n);
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return 0;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	case_send_tag(fd);
	return 0;
}
