// SPDX-License-Identifier: MIT
/* The inherited log's identity: FNGUARD_LOG_FD and FNGUARD_LOG_ID as the first process writes. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log_id.h"

struct number_case {
	const char *text;
	char stop;
	bool ok;
	unsigned long long value;
};

Test(log_id, numbers_as_printf_writes_them)
{
	static const struct number_case cases[] = {
		{"0", '\0', true, 0},
		{"7", '\0', true, 7},
		{"1000", '\0', true, 1000},
		{"66305:1234", ':', true, 66305},
		{"18446744073709551615", '\0', true, 18446744073709551615ull},
		{"18446744073709551616", '\0', false, 0}, /* one over */
		{"99999999999999999999", '\0', false, 0},
		{"", '\0', false, 0},
		{"007", '\0', false, 0}, /* never written with leading zeros */
		{"00", '\0', false, 0},
		{"+5", '\0', false, 0},
		{"-5", '\0', false, 0},
		{" 5", '\0', false, 0},
		{"5 ", '\0', false, 0},
		{"5x", '\0', false, 0},
		{"12:34", '\0', false, 0}, /* stops at ':' where the end was wanted */
		{"1234", ':', false, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s = cases[i].text;
		unsigned long long v = 42;
		bool ok = log_id_number(&s, cases[i].stop, &v);
		cr_assert_eq(ok, cases[i].ok, "\"%s\"", cases[i].text);
		if (ok) {
			cr_assert_eq(v, cases[i].value, "\"%s\"", cases[i].text);
			cr_assert_eq(*s, cases[i].stop);
		} else {
			cr_assert_eq(v, 42, "\"%s\": untouched on failure", cases[i].text);
			cr_assert_eq(s, cases[i].text);
		}
	}
}

Test(log_id, inherited_only_on_the_same_file)
{
	char path[] = "/tmp/fnguard-log-id-XXXXXX", other[] = "/tmp/fnguard-log-id-XXXXXX";
	int fd = mkstemp(path), fd2 = mkstemp(other);
	struct stat st;
	char id[64], num[16];

	cr_assert(fd >= 0 && fd2 >= 0);
	cr_assert_eq(fstat(fd, &st), 0);
	snprintf(id, sizeof(id), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	snprintf(num, sizeof(num), "%d", fd);
	cr_assert_eq(log_id_inherited(num, id), fd);
	cr_assert(same_file(fd, id));
	cr_assert_not(same_file(fd2, id), "another file on that number");
	snprintf(num, sizeof(num), "%d", fd2);
	cr_assert_eq(log_id_inherited(num, id), -1);
	cr_assert_eq(log_id_inherited("999999", id), -1, "a closed number");
	cr_assert_eq(log_id_inherited("1048576", id), -1, "past the largest descriptor");
	cr_assert_eq(log_id_inherited(NULL, id), -1);
	cr_assert_eq(log_id_inherited(num, NULL), -1);
	/* Damaged identities. */
	char bad[80];
	snprintf(bad, sizeof(bad), "%llu:%llu:", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	cr_assert_not(same_file(fd, bad));
	snprintf(bad, sizeof(bad), "%llu", (unsigned long long)st.st_dev);
	cr_assert_not(same_file(fd, bad));
	snprintf(bad, sizeof(bad), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	cr_assert_not(same_file(fd, bad));
	cr_assert_not(same_file(fd, ""));
	close(fd);
	close(fd2);
	unlink(path);
	unlink(other);
}
