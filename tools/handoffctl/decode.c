/*
 * decode.c - `handoffctl decode`: like gpsd's gpsdecode, reads a captured PEI
 * stream on stdin and prints one proto3-JSON object per decoded radio event
 * (handoff.v1.RadioEvent: issi and, where present, status, lat, lon, reason,
 * velocityKmh, directionDeg, ...). It runs the same parser as the gateway, so
 * what it prints is what the gateway sees. Rejected records are reported on
 * stderr with their line number and reason; decoding goes on with the next.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "pbjson.h"
#include "pei.h"
#include "wire.h"

struct decode {
	bool quiet;
	int print_error;
};

static void on_event(void *ctx, const struct hf_radio_event *ev)
{
	struct decode *d = ctx;
	Handoff__V1__RadioEvent pb;

	hf_wire_event_to_pb(ev, &pb);
	if (hf_pbjson_print(stdout, &pb.base) != 0)
		d->print_error = 1;
}

static void on_reject(void *ctx, uint64_t line_no, const char *why, const char *line,
		      size_t len)
{
	struct decode *d = ctx;

	if (!d->quiet)
		fprintf(stderr, "decode: line %llu: %s: \"%.*s\"\n", (unsigned long long)line_no,
			why, (int)(len > 100 ? 100 : len), line);
}

int ctl_decode(const struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct decode d = { .quiet = false };
	struct hf_pei_sink sink = { .event = on_event, .reject = on_reject, .ctx = &d };
	struct hf_pei_stream s;
	char buf[65536];
	ssize_t n;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			d.quiet = true;
			break;
		case 'h':
			printf("Usage: handoffctl decode [--quiet] < capture.pei\n"
			       "Decodes a captured TETRA PEI stream: one JSON object per radio\n"
			       "event on stdout; each rejected record (line and reason) and a\n"
			       "summary on stderr. --quiet: the summary only.\n");
			return 0;
		default:
			return 2;
		}
	}
	hf_pei_stream_init(&s, &sink);
	while ((n = read(STDIN_FILENO, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "decode: read error: %s\n", strerror(errno));
			return 1;
		}
		hf_pei_stream_feed(&s, buf, (size_t)n);
	}
	hf_pei_stream_end(&s);
	fflush(stdout);
	fprintf(stderr, "decode: %llu event%s from %llu lines; %llu record%s rejected\n",
		(unsigned long long)s.stats.events, s.stats.events == 1 ? "" : "s",
		(unsigned long long)s.stats.lines, (unsigned long long)s.stats.rejected,
		s.stats.rejected == 1 ? "" : "s");
	return d.print_error ? 1 : 0;
}
