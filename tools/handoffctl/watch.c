/*
 * watch.c - `handoffctl watch` and `handoffctl snapshot`.
 *
 * watch follows the bus with the Clone pattern (follow.c). On a terminal it
 * opens the dispatcher console (console.c); with --lines, or when stdout is
 * not a terminal, it prints the snapshot and then one line per alert, link
 * change and notice (--json: one proto3-JSON object each). Position updates
 * are shown only with --units.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "ctl.h"
#include "follow.h"
#include "incidents_view.h"
#include "pbjson.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = 1;
}

/* What watch last showed of each incident, to label the next line. */
struct shown {
	char id[24];
	uint32_t trigger_count;
	Handoff__V1__IncidentState state;
};

static struct shown *shown;
static size_t n_shown;

/* "ALERT" for an incident not seen before, "REPEAT" when its trigger was heard
 * again, "UPDATE" for anything else; remembers what it saw. */
static const char *label(const Handoff__V1__Incident *inc)
{
	struct shown *sh = NULL;
	const char *tag;

	for (size_t i = 0; i < n_shown && !sh; i++)
		if (strcmp(shown[i].id, inc->id) == 0)
			sh = &shown[i];
	if (!sh) {
		struct shown *grown = realloc(shown, (n_shown + 1) * sizeof *shown);

		if (!grown)
			return "ALERT";
		shown = grown;
		sh = &shown[n_shown++];
		snprintf(sh->id, sizeof sh->id, "%s", inc->id);
		tag = "ALERT";
	} else if (inc->trigger_count > sh->trigger_count) {
		tag = "REPEAT";
	} else {
		tag = "UPDATE";
	}
	sh->trigger_count = inc->trigger_count;
	sh->state = inc->state;
	return tag;
}

static void print_snapshot(const struct ctl *ctl, const Handoff__V1__Snapshot *s, bool units)
{
	int64_t t = ctl_wall_ms();

	if (ctl->json) {
		hf_pbjson_print(stdout, &s->base);
		return;
	}
	size_t open = 0;

	for (size_t i = 0; i < s->n_incidents; i++)
		open += ctl_incident_is_open(s->incidents[i]);
	printf("-- gateway %s, seq %" PRIu64 ": %zu open incident%s --\n", s->gateway, s->seq,
	       open, open == 1 ? "" : "s");
	for (size_t i = 0; i < s->n_incidents; i++) {
		label(s->incidents[i]);
		ctl_print_incident(stdout, s->incidents[i], s->incidents[i]->updated_unix_ms,
				   ctl_incident_is_open(s->incidents[i]) ? "OPEN" : "CLOSED");
	}
	for (size_t i = 0; i < s->n_links; i++)
		ctl_print_link(stdout, s->links[i], t);
	for (size_t i = 0; units && i < s->n_units; i++)
		ctl_print_unit(stdout, s->units[i], t);
}

static void print_publication(const struct ctl *ctl, const Handoff__V1__Publication *p,
			      bool units)
{
	if (ctl->json) {
		if (p->body_case != HANDOFF__V1__PUBLICATION__BODY_UNIT || units)
			hf_pbjson_print(stdout, &p->base);
		return;
	}
	switch (p->body_case) {
	case HANDOFF__V1__PUBLICATION__BODY_INCIDENT:
		ctl_print_incident(stdout, p->incident, p->published_unix_ms, label(p->incident));
		break;
	case HANDOFF__V1__PUBLICATION__BODY_LINK:
		ctl_print_link(stdout, p->link, p->published_unix_ms);
		break;
	case HANDOFF__V1__PUBLICATION__BODY_NOTICE:
		ctl_print_notice(stdout, p->notice, p->published_unix_ms);
		break;
	case HANDOFF__V1__PUBLICATION__BODY_UNIT:
		if (units)
			ctl_print_unit(stdout, p->unit, p->published_unix_ms);
		break;
	default:
		break;
	}
}

/* The line printer's side of the follower. */
struct lines_mode {
	const struct ctl *ctl;
	bool units;
};

static void lines_snapshot(void *data, const Handoff__V1__Snapshot *s)
{
	struct lines_mode *m = data;

	print_snapshot(m->ctl, s, m->units);
	fflush(stdout);
}

static void lines_publication(void *data, const Handoff__V1__Publication *p)
{
	struct lines_mode *m = data;

	print_publication(m->ctl, p, m->units);
	fflush(stdout);
}

static void lines_say(void *data, const char *text)
{
	fprintf(stderr, "handoffctl: %s\n", text);
}

/* `watch --lines` (and --json): the snapshot, then a line per publication. */
static int watch_lines(const struct ctl *c, bool units)
{
	static const struct ctl_follow_ops ops = {
		.snapshot = lines_snapshot,
		.publication = lines_publication,
		.say = lines_say,
	};
	struct lines_mode m = { .ctl = c, .units = units };
	struct ctl_follow f;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (ctl_follow_start(&f, c, units, &ops, &m) != 0)
		return 1;
	while (!interrupted) {
		zmq_pollitem_t item = { .socket = f.sub, .events = ZMQ_POLLIN };
		int n = zmq_poll(&item, 1, 1000);

		if (n < 0 && zmq_errno() == EINTR)
			continue;
		if (n > 0)
			ctl_follow_pump(&f);
		else
			ctl_follow_tick(&f);
	}
	ctl_follow_stop(&f);
	free(shown);
	shown = NULL;
	n_shown = 0;
	return 0;
}

int ctl_watch(const struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "units", no_argument, NULL, 'u' },
		{ "lines", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl c = *ctl;
	bool units = false, lines = false;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "julh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c.json = true;
			break;
		case 'u':
			units = true;
			break;
		case 'l':
			lines = true;
			break;
		case 'h':
			printf("Usage: handoffctl watch [--lines] [--json] [--units]\n"
			       "On a terminal: the dispatcher console, a live view of open incidents\n"
			       "(critical first, then oldest) with the PCSO, place, nearest constable\n"
			       "asked, escalation tier and countdown; the selected incident's details.\n"
			       "Keys: up/down or j/k select, a acknowledge, s assign (offers the nearest\n"
			       "asked constable), r resolve, c cancel (asks a reason), q quit.\n"
			       "--lines (and whenever stdout is not a terminal): the open incidents,\n"
			       "then one line per alert, link change and notice as it happens.\n"
			       "--json: one proto3-JSON object per line (the snapshot first).\n"
			       "--units: position and status updates too (lines and JSON).\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "handoffctl: watch takes no argument \"%s\"\n", argv[optind]);
		return 2;
	}
	if (!lines && !c.json && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO)) {
		int rc = ctl_console(&c);

		if (rc != -ENOTTY)
			return rc;
		fprintf(stderr, "handoffctl: this terminal cannot show the console "
				"(TERM=%s); printing lines\n",
			getenv("TERM") ? getenv("TERM") : "");
	}
	return watch_lines(&c, units);
}

int ctl_snapshot(const struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "units", no_argument, NULL, 'u' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl c = *ctl;
	bool units = false, closed = false;
	Handoff__V1__Reply *reply;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "juah", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c.json = true;
			break;
		case 'u':
			units = true;
			break;
		case 'a':
			closed = true;
			break;
		case 'h':
			printf("Usage: handoffctl snapshot [--json] [--units] [--all]\n"
			       "Prints open incidents and links once. --units: every unit's\n"
			       "state too; --all: closed incidents too.\n");
			return 0;
		default:
			return 2;
		}
	}
	reply = ctl_take_snapshot(&c, units, closed);
	if (!reply)
		return 1;
	print_snapshot(&c, reply->snapshot, units);
	handoff__v1__reply__free_unpacked(reply, NULL);
	return 0;
}
