/*
 * watch.c - `handoffctl watch` and `handoffctl snapshot`.
 *
 * watch follows the ZeroMQ Guide's Clone pattern: subscribe first, then ask
 * for a snapshot, print it, and apply only publications with a sequence number
 * above the snapshot's. A jump in the sequence (a message lost to the
 * high-water mark, a slow terminal) or a new epoch (the gateway restarted)
 * triggers a fresh snapshot, so a late or restarted watch never hides an open
 * incident. It subscribes to the whole bus, because gap detection needs every
 * sequence number; position updates are shown only with --units.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "ctl.h"
#include "pbjson.h"

#define SILENCE_MS 5000 /* no heartbeat for this long: say so */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_open(const Handoff__V1__Incident *inc)
{
	return inc->state != HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_RESOLVED &&
	       inc->state != HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_CANCELLED;
}

/* Asks for a snapshot. Returns the reply's snapshot owner (free the reply) or
 * NULL after printing why. */
static Handoff__V1__Reply *take_snapshot(const struct ctl *ctl, bool units, bool closed)
{
	Handoff__V1__Request req;
	Handoff__V1__SnapshotRequest sr;
	Handoff__V1__Reply *reply = NULL;

	handoff__v1__request__init(&req);
	handoff__v1__snapshot_request__init(&sr);
	sr.include_units = units;
	sr.include_closed = closed;
	req.body_case = HANDOFF__V1__REQUEST__BODY_SNAPSHOT;
	req.snapshot = &sr;
	if (ctl_request(ctl, &req, &reply) != 0)
		return NULL;
	if (reply->code != HANDOFF__V1__REPLY_CODE__REPLY_CODE_OK || !reply->snapshot) {
		fprintf(stderr, "handoffctl: snapshot refused: %s\n", reply->message);
		handoff__v1__reply__free_unpacked(reply, NULL);
		return NULL;
	}
	return reply;
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
	int64_t t = wall_ms();

	if (ctl->json) {
		hf_pbjson_print(stdout, &s->base);
		return;
	}
	size_t open = 0;

	for (size_t i = 0; i < s->n_incidents; i++)
		open += is_open(s->incidents[i]);
	printf("-- gateway %s, seq %" PRIu64 ": %zu open incident%s --\n", s->gateway, s->seq,
	       open, open == 1 ? "" : "s");
	for (size_t i = 0; i < s->n_incidents; i++) {
		label(s->incidents[i]);
		ctl_print_incident(stdout, s->incidents[i], s->incidents[i]->updated_unix_ms,
				   is_open(s->incidents[i]) ? "OPEN" : "CLOSED");
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

struct follow {
	bool synced;
	uint64_t epoch;
	uint64_t seq;
};

/* (Re)synchronises from a snapshot; false if the gateway did not answer. */
static bool resync(const struct ctl *ctl, struct follow *f, bool units)
{
	Handoff__V1__Reply *reply = take_snapshot(ctl, units, false);

	if (!reply)
		return false;
	print_snapshot(ctl, reply->snapshot, units);
	f->epoch = reply->snapshot->epoch;
	f->seq = reply->snapshot->seq;
	f->synced = true;
	handoff__v1__reply__free_unpacked(reply, NULL);
	fflush(stdout);
	return true;
}

/* Handles one [topic][Publication] message. */
static void on_publication(const struct ctl *ctl, struct follow *f, zmq_msg_t *payload,
			   bool units)
{
	Handoff__V1__Publication *p =
		handoff__v1__publication__unpack(NULL, zmq_msg_size(payload), zmq_msg_data(payload));

	if (!p) {
		fprintf(stderr, "handoffctl: undecodable publication (ignored)\n");
		return;
	}
	if (f->synced && p->epoch != f->epoch) {
		fprintf(stderr, "handoffctl: the gateway restarted; re-syncing\n");
		f->synced = false;
	} else if (f->synced && p->seq > f->seq + 1) {
		fprintf(stderr, "handoffctl: missed %" PRIu64 " message(s) (seq %" PRIu64
				" after %" PRIu64 "); re-syncing\n",
			p->seq - f->seq - 1, p->seq, f->seq);
		f->synced = false;
	}
	if (!f->synced && !resync(ctl, f, units)) {
		handoff__v1__publication__free_unpacked(p, NULL);
		return;
	}
	if (p->epoch == f->epoch && p->seq > f->seq) {
		f->seq = p->seq;
		print_publication(ctl, p, units);
		fflush(stdout);
	}
	handoff__v1__publication__free_unpacked(p, NULL);
}

int ctl_watch(const struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "units", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl c = *ctl;
	bool units = false;
	struct follow f = { .synced = false };
	int64_t last_heard = now_ms();
	bool silent = false;
	void *sub;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "juh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c.json = true;
			break;
		case 'u':
			units = true;
			break;
		case 'h':
			printf("Usage: handoffctl watch [--json] [--units]\n"
			       "Shows open incidents, then every alert and link change as it\n"
			       "happens. --json: one proto3-JSON object per line (the snapshot\n"
			       "first). --units: position and status updates too.\n");
			return 0;
		default:
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	sub = ctl_connect(&c, ZMQ_SUB, c.cfg->endpoints.publish);
	if (!sub)
		return 1;
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
	if (!resync(&c, &f, units))
		fprintf(stderr, "handoffctl: waiting for the gateway at %s...\n",
			c.cfg->endpoints.command);
	while (!interrupted) {
		zmq_pollitem_t item = { .socket = sub, .events = ZMQ_POLLIN };
		int n = zmq_poll(&item, 1, 1000);

		if (n < 0 && zmq_errno() == EINTR)
			continue;
		if (n <= 0) {
			if (!silent && now_ms() - last_heard > SILENCE_MS) {
				fprintf(stderr, "handoffctl: no word from the gateway for %d s\n",
					SILENCE_MS / 1000);
				silent = true;
			}
			if (!f.synced)
				resync(&c, &f, units);
			continue;
		}
		zmq_msg_t topic, payload;

		zmq_msg_init(&topic);
		zmq_msg_init(&payload);
		if (zmq_msg_recv(&topic, sub, 0) >= 0 && zmq_msg_more(&topic) &&
		    zmq_msg_recv(&payload, sub, 0) >= 0) {
			if (silent)
				fprintf(stderr, "handoffctl: the gateway is back\n");
			silent = false;
			last_heard = now_ms();
			on_publication(&c, &f, &payload, units);
		}
		zmq_msg_close(&topic);
		zmq_msg_close(&payload);
	}
	zmq_close(sub);
	free(shown);
	shown = NULL;
	n_shown = 0;
	return 0;
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
	reply = take_snapshot(&c, units, closed);
	if (!reply)
		return 1;
	print_snapshot(&c, reply->snapshot, units);
	handoff__v1__reply__free_unpacked(reply, NULL);
	return 0;
}
