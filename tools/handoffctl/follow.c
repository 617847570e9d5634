/*
 * follow.c - the Clone-pattern follower behind `watch` (see follow.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include <zmq.h>

#include "follow.h"

int64_t ctl_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ctl_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

Handoff__V1__Reply *ctl_take_snapshot(const struct ctl *ctl, bool units, bool closed)
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

/* (Re)synchronises from a snapshot; false if the gateway did not answer. */
static bool resync(struct ctl_follow *f)
{
	Handoff__V1__Reply *reply = ctl_take_snapshot(&f->ctl, f->units, false);

	if (!reply)
		return false;
	f->ops->snapshot(f->data, reply->snapshot);
	f->epoch = reply->snapshot->epoch;
	f->seq = reply->snapshot->seq;
	f->synced = true;
	handoff__v1__reply__free_unpacked(reply, NULL);
	return true;
}

static void say(struct ctl_follow *f, const char *text)
{
	if (f->ops->say)
		f->ops->say(f->data, text);
}

/* Handles one Publication's bytes. */
static void on_publication(struct ctl_follow *f, zmq_msg_t *payload)
{
	Handoff__V1__Publication *p =
		handoff__v1__publication__unpack(NULL, zmq_msg_size(payload), zmq_msg_data(payload));
	char text[160];

	if (!p) {
		say(f, "undecodable publication (ignored)");
		return;
	}
	if (f->synced && p->epoch != f->epoch) {
		say(f, "the gateway restarted; re-syncing");
		f->synced = false;
	} else if (f->synced && p->seq > f->seq + 1) {
		snprintf(text, sizeof text,
			 "missed %" PRIu64 " message(s) (seq %" PRIu64 " after %" PRIu64
			 "); re-syncing",
			 p->seq - f->seq - 1, p->seq, f->seq);
		say(f, text);
		f->synced = false;
	}
	if (!f->synced && !resync(f)) {
		handoff__v1__publication__free_unpacked(p, NULL);
		return;
	}
	if (p->epoch == f->epoch && p->seq > f->seq) {
		f->seq = p->seq;
		f->ops->publication(f->data, p);
	}
	handoff__v1__publication__free_unpacked(p, NULL);
}

int ctl_follow_start(struct ctl_follow *f, const struct ctl *ctl, bool units,
		     const struct ctl_follow_ops *ops, void *data)
{
	char text[300];

	*f = (struct ctl_follow){ .ctl = *ctl, .units = units, .ops = ops, .data = data };
	f->last_heard = ctl_mono_ms();
	f->sub = ctl_connect(ctl, ZMQ_SUB, ctl->cfg->endpoints.publish);
	if (!f->sub)
		return -1;
	zmq_setsockopt(f->sub, ZMQ_SUBSCRIBE, "", 0);
	if (!resync(f)) {
		snprintf(text, sizeof text, "waiting for the gateway at %s...",
			 ctl->cfg->endpoints.command);
		say(f, text);
	}
	return 0;
}

void ctl_follow_pump(struct ctl_follow *f)
{
	for (;;) {
		zmq_msg_t topic, payload;
		bool got = false;

		zmq_msg_init(&topic);
		zmq_msg_init(&payload);
		if (zmq_msg_recv(&topic, f->sub, ZMQ_DONTWAIT) >= 0 && zmq_msg_more(&topic) &&
		    zmq_msg_recv(&payload, f->sub, 0) >= 0) {
			got = true;
			if (f->silent)
				say(f, "the gateway is back");
			f->silent = false;
			f->last_heard = ctl_mono_ms();
			on_publication(f, &payload);
		}
		zmq_msg_close(&topic);
		zmq_msg_close(&payload);
		if (!got)
			return;
	}
}

void ctl_follow_tick(struct ctl_follow *f)
{
	char text[80];

	if (!f->silent && ctl_mono_ms() - f->last_heard > CTL_FOLLOW_SILENCE_MS) {
		snprintf(text, sizeof text, "no word from the gateway for %d s",
			 CTL_FOLLOW_SILENCE_MS / 1000);
		say(f, text);
		f->silent = true;
	}
	if (!f->synced)
		resync(f);
}

void ctl_follow_stop(struct ctl_follow *f)
{
	if (f->sub)
		zmq_close(f->sub);
	f->sub = NULL;
}
