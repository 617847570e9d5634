/*
 * test_log.c - log lines for a terminal and for journald.
 *
 * Each test points stderr (fd 2) at a temporary file, logs, and reads the file
 * back. Criterion runs every test in a process of its own, so moving fd 2
 * does not disturb the runner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "log.h"

static FILE *capture;

/* Points stderr at a fresh temporary file. */
static void capture_stderr(void)
{
	capture = tmpfile();
	cr_assert_not_null(capture);
	fflush(stderr);
	cr_assert_eq(dup2(fileno(capture), STDERR_FILENO), STDERR_FILENO);
}

/* Sets JOURNAL_STREAM to the device and inode of stderr, as systemd does
 * for StandardError=journal. */
static void stderr_is_the_journal(void)
{
	struct stat st;
	char env[64];

	cr_assert_eq(fstat(STDERR_FILENO, &st), 0);
	snprintf(env, sizeof env, "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
}

/* Everything written to stderr so far (static buffer). */
static const char *captured(void)
{
	static char buf[4096];
	size_t n;

	fflush(stderr);
	rewind(capture);
	n = fread(buf, 1, sizeof buf - 1, capture);
	buf[n] = '\0';
	return buf;
}

static void setup(void)
{
	unsetenv("JOURNAL_STREAM");
	capture_stderr();
}

TestSuite(log, .init = setup);

/* Under journald each line is "<priority>message": syslog's numbers, no time,
 * no name; debug is dropped at the default level. */
Test(log, journald_lines_carry_the_syslog_priority_and_no_timestamp)
{
	stderr_is_the_journal();
	hf_log_init("test");
	hf_err("e %d", 1);
	hf_warn("w");
	hf_notice("n");
	hf_info("i");
	hf_debug("d");
	cr_assert_str_eq(captured(), "<3>e 1\n<4>w\n<5>n\n<6>i\n");
	hf_log_set_level(HF_LOG_DEBUG);
	hf_debug("d");
	cr_assert_str_eq(captured(), "<3>e 1\n<4>w\n<5>n\n<6>i\n<7>d\n");
}

/* On a terminal or in a file each line starts with the UTC time, the program
 * name and the level. */
Test(log, elsewhere_lines_start_with_time_name_and_level)
{
	int y, mo, d, h, mi, s, ms, n = 0;

	hf_log_init("test");
	hf_warn("disk %s", "full");
	cr_assert_eq(sscanf(captured(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ %n", &y, &mo, &d, &h, &mi,
			    &s, &ms, &n), 7, "no timestamp in \"%s\"", captured());
	cr_assert_str_eq(captured() + n, "test warn: disk full\n");
}

/* JOURNAL_STREAM inherited while stderr goes elsewhere (a terminal started
 * from a user service, a redirect) must not turn on journald lines. */
Test(log, journal_stream_naming_another_file_is_ignored)
{
	setenv("JOURNAL_STREAM", "1:1", 1);
	hf_log_init("test");
	hf_notice("hello");
	cr_assert(strstr(captured(), "test notice: hello\n"), "got \"%s\"", captured());
	cr_assert_neq(captured()[0], '<');
}

/* A malformed JOURNAL_STREAM is ignored too. */
Test(log, malformed_journal_stream_is_ignored)
{
	setenv("JOURNAL_STREAM", "garbage", 1);
	hf_log_init("test");
	hf_notice("x");
	cr_assert_neq(captured()[0], '<');
}

/* A message longer than a line is cut, still ends with one newline. */
Test(log, long_messages_are_cut_to_one_line)
{
	char big[3000];
	const char *out;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	stderr_is_the_journal();
	hf_log_init("test");
	hf_err("%s", big);
	out = captured();
	cr_assert_eq(strncmp(out, "<3>xxx", 6), 0);
	cr_assert_eq(strchr(out, '\n'), out + strlen(out) - 1);
}
