// SPDX-License-Identifier: MIT
/*
 * tampering: push input into a terminal with ioctl(TIOCSTI), which the
 * shell reading that terminal takes as typed (run once the function exits:
 * a developer's terminal under `fnguard run`). The case makes a terminal of
 * its own (a pty, its controlling terminal: without CAP_SYS_ADMIN the kernel
 * lets a process push only into that one), pushes a byte into it and reads it back; it leaves
 * $SEC_OUT/tiocsti when the byte arrived. "libc" calls ioctl(3), "raw" makes
 * the system call with its own instruction.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "case.h"

int main(int argc, char **argv)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	case_report("posix_openpt", master);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		return 1;
	case_report("setsid", setsid());
	int tty = open(ptsname(master), O_RDWR | O_NONBLOCK);
	case_report("open(pts)", tty);
	if (tty < 0)
		return 1;
	case_report("ioctl(TIOCSCTTY)", ioctl(tty, TIOCSCTTY, 0));
	struct termios t;
	if (tcgetattr(tty, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(tty, TCSANOW, &t);
	}
	char c = 'Z';
	long r;
	if (argc > 1 && strcmp(argv[1], "raw") == 0)
		r = case_raw6(SYS_ioctl, tty, TIOCSTI, (long)&c, 0, 0, 0);
	else
		r = ioctl(tty, TIOCSTI, &c);
	case_report("ioctl(TIOCSTI)", r);
	char got = 0;
	usleep(10000);
	ssize_t n = read(tty, &got, 1);
	case_report("read(pts)", n);
	if (n == 1 && got == 'Z')
		case_marker("tiocsti");
	return 0;
}
