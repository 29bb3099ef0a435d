// SPDX-License-Identifier: MIT
/*
 * tampering: turn address-space randomisation off for the programs the
 * function runs (personality(ADDR_NO_RANDOMIZE)), then run one the profile
 * allows; it leaves $SEC_OUT/persona when it started without randomisation.
 */
#include <sys/personality.h>
#include <unistd.h>

#include "case.h"

int main(void)
{
	int r = personality(ADDR_NO_RANDOMIZE);
	case_report("personality", r);
	const char *probe = case_env("SEC_PROBE");
	char *args[] = {(char *)probe, (char *)"probe-ran", (char *)"--personality", NULL};
	execv(probe, args);
	case_report("execv", -1);
	return 1;
}
