/*
 * ingest.c - the `ingest` adapter: a ZeroMQ PULL socket taking one serialized
 * handoff.v1.RadioEvent per message from other systems (a vendor's location
 * server, a mobile app's panic button, a DMR bridge).
 *
 * Malformed or oversized messages are counted and logged, never fatal; the
 * socket carries on with the next message. Started by the gateway from
 * `endpoints.ingest`. With CURVE keys only clients whose key has the adapter
 * role get in (the ZAP handler), and the gateway's admit hook applies each
 * identity's rate limit (never to an emergency).
 *
 * Fairness: a PULL socket takes messages from its peers in turn, and the
 * loop reads at most a budget per turn, so one client's flood queues behind
 * its own messages, not in front of another client's emergency.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "adapter.h"
#include "curve.h"
#include "log.h"
#include "wire.h"
#include "zsock.h"


struct ingest {
	struct hf_adapter *a;
	struct hf_zsock z;
	uint64_t accepted;
	uint64_t rejected;
	uint64_t refused; /* by the gateway's admit hook (role, rate) */
	void (*done)(struct hf_adapter *a);
};

/* Logs the first few bad messages, then one in a thousand, so a flood of
 * garbage cannot flood the log. */
static void reject(struct ingest *in, const char *why)
{
	in->rejected++;
	if (hf_log_sample(in->rejected))
		hf_warn("%s: rejected message #%llu: %s (%llu rejected so far)", in->a->cfg.name,
			(unsigned long long)(in->accepted + in->rejected), why,
			(unsigned long long)in->rejected);
}

static void on_msg(struct hf_zsock *z, zmq_msg_t *frames, size_t n, bool truncated)
{
	struct ingest *in = z->data;
	Handoff__V1__RadioEvent *pb;
	struct hf_radio_event ev;
	const char *why = NULL;

	struct hf_peer peer = { NULL, NULL };
	size_t size = n ? zmq_msg_size(&frames[0]) : 0;

	if (n != 1 || truncated) {
		reject(in, "expected one frame holding a handoff.v1.RadioEvent");
		return;
	}
	peer.user_id = in->a->cfg.curve_secret[0] ? zmq_msg_gets(&frames[0], "User-Id") : NULL;
	peer.address = zmq_msg_gets(&frames[0], "Peer-Address");
	if (!peer.address)
		peer.address = "";
	if (in->a->cfg.max_msg_bytes && size > in->a->cfg.max_msg_bytes) {
		if (in->a->host->admit)
			in->a->host->admit(in->a, &peer, NULL, size);
		reject(in, "message over security.limits.max_ingest_bytes");
		return;
	}
	pb = handoff__v1__radio_event__unpack(NULL, zmq_msg_size(&frames[0]),
					      zmq_msg_data(&frames[0]));
	if (!pb) {
		reject(in, "undecodable frame (not a handoff.v1.RadioEvent)");
		return;
	}
	if (hf_wire_event_from_pb(pb, &ev, &why) != 0) {
		handoff__v1__radio_event__free_unpacked(pb, NULL);
		reject(in, why);
		return;
	}
	handoff__v1__radio_event__free_unpacked(pb, NULL);
	if (in->a->host->admit && (why = in->a->host->admit(in->a, &peer, &ev, size))) {
		in->refused++; /* counted and logged by the gateway */
		return;
	}
	in->accepted++;
	in->a->host->event(in->a, &ev);
}

static int ingest_start(struct hf_adapter *a)
{
	struct ingest *in = calloc(1, sizeof *in);
	void *sock;
	/* Over the limit but under 4x: refused and counted; beyond, libzmq
	 * drops the connection without reading it all. */
	int64_t max = 4 * (int64_t)(a->cfg.max_msg_bytes ? a->cfg.max_msg_bytes : 65536);
	int hwm = 100000;
	int rc;

	if (!in)
		return -ENOMEM;
	in->a = a;
	sock = zmq_socket(a->host->zmq_ctx, ZMQ_PULL);
	if (!sock) {
		free(in);
		return -zmq_errno();
	}
	zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof max);
	zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
	if (a->cfg.curve_secret[0] &&
	    (rc = hf_curve_server(sock, a->cfg.curve_secret, HF_DOMAIN_INGEST)) != 0) {
		hf_err("%s: cannot set up CURVE: %s", a->cfg.name, zmq_strerror(-rc));
		zmq_close(sock);
		free(in);
		return rc;
	}
	if (zmq_bind(sock, a->cfg.bind) != 0) {
		rc = -zmq_errno();
		hf_err("%s: cannot bind %s: %s", a->cfg.name, a->cfg.bind, zmq_strerror(-rc));
		zmq_close(sock);
		free(in);
		return rc;
	}
	rc = hf_zsock_init(&in->z, a->host->loop, sock, on_msg);
	if (rc) {
		zmq_close(sock);
		free(in);
		return rc;
	}
	in->z.data = in;
	a->priv = in;
	if (a->cfg.curve_secret[0] && a->host->counters)
		hf_zsock_watch_handshakes(&in->z, a->host->loop, a->host->zmq_ctx, a->cfg.bind,
					  &a->host->counters->handshake_failed);
	a->host->link(a, true, "", 0);
	return 0;
}

static void on_closed(struct hf_zsock *z)
{
	struct ingest *in = z->data;
	struct hf_adapter *a = in->a;
	void (*done)(struct hf_adapter *) = in->done;

	hf_info("%s: %llu events accepted, %llu rejected as malformed, %llu refused (limits)",
		a->cfg.name, (unsigned long long)in->accepted, (unsigned long long)in->rejected,
		(unsigned long long)in->refused);
	free(in);
	a->priv = NULL;
	done(a);
}

static void ingest_stop(struct hf_adapter *a, void (*done)(struct hf_adapter *a))
{
	struct ingest *in = a->priv;

	in->done = done;
	hf_zsock_close(&in->z, on_closed);
}

static void ingest_peer(const struct hf_adapter *a, char *buf, size_t size)
{
	hf_strlcpy(buf, a->cfg.bind, size);
}

const struct hf_adapter_ops hf_adapter_ingest = {
	.type = "ingest",
	.summary = "ZeroMQ PULL endpoint taking protobuf RadioEvents from other systems",
	.start = ingest_start,
	.stop = ingest_stop,
	.send_sds = NULL, /* other systems cannot be reached through it */
	.peer = ingest_peer,
};
