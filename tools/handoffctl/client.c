/*
 * client.c - request/reply with the gateway's command socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "ctl.h"

/* Watches s's handshakes: returns a PAIR socket that receives libzmq's
 * handshake-failure events, or NULL. */
static void *watch_handshakes(const struct ctl *ctl, void *s)
{
	static unsigned n;
	char ep[64];
	void *mon;
	int linger = 0;

	snprintf(ep, sizeof ep, "inproc://ctl-monitor-%u", n++);
	if (zmq_socket_monitor(s, ep, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
					      ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
					      ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0)
		return NULL;
	mon = zmq_socket(ctl->zmq_ctx, ZMQ_PAIR);
	if (!mon)
		return NULL;
	zmq_setsockopt(mon, ZMQ_LINGER, &linger, sizeof linger);
	if (zmq_connect(mon, ep) != 0) {
		zmq_close(mon);
		return NULL;
	}
	return mon;
}

bool ctl_handshake_refused(const struct ctl *ctl, void *mon, const char *ep)
{
	uint8_t ev[6];
	char addr[256];
	bool refused = false;

	while (mon && zmq_recv(mon, ev, sizeof ev, ZMQ_DONTWAIT) == (int)sizeof ev) {
		uint16_t id = (uint16_t)(ev[0] | ev[1] << 8);
		uint32_t value = (uint32_t)ev[2] | (uint32_t)ev[3] << 8 | (uint32_t)ev[4] << 16 |
				 (uint32_t)ev[5] << 24;

		zmq_recv(mon, addr, sizeof addr, ZMQ_DONTWAIT); /* the endpoint frame */
		if (refused)
			continue;
		refused = true;
		if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
			fprintf(stderr, "handoffctl: the gateway at %s refused this key (ZAP %u): "
					"it is not in its keys file, or its role may not use this "
					"endpoint\n", ep, value);
		else if (!ctl->server_key[0])
			fprintf(stderr, "handoffctl: cannot talk to the gateway at %s: it expects "
					"CURVE keys; give --cert and --server-key (or $HANDOFF_CERT "
					"and $HANDOFF_SERVER_KEY)\n", ep);
		else
			fprintf(stderr, "handoffctl: the handshake with %s failed: wrong "
					"--server-key, or the gateway runs without CURVE\n", ep);
	}
	return refused;
}

void *ctl_connect(const struct ctl *ctl, int type, const char *ep)
{
	return ctl_connect_watched(ctl, type, ep, NULL);
}

void *ctl_connect_watched(const struct ctl *ctl, int type, const char *ep, void **mon)
{
	void *s = zmq_socket(ctl->zmq_ctx, type);
	int linger = 0;

	if (mon)
		*mon = NULL;

	if (!s) {
		fprintf(stderr, "handoffctl: cannot make a socket: %s\n", zmq_strerror(zmq_errno()));
		return NULL;
	}
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
	if (ctl->server_key[0] && ctl->cert.secret_key[0]) {
		if (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, ctl->server_key, HF_Z85_KEY_LEN) != 0 ||
		    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, ctl->cert.public_key, HF_Z85_KEY_LEN) !=
			    0 ||
		    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, ctl->cert.secret_key, HF_Z85_KEY_LEN) !=
			    0) {
			fprintf(stderr, "handoffctl: cannot set CURVE keys: %s\n",
				zmq_strerror(zmq_errno()));
			zmq_close(s);
			return NULL;
		}
	}
	if (mon)
		*mon = watch_handshakes(ctl, s);
	if (zmq_connect(s, ep) != 0) {
		fprintf(stderr, "handoffctl: cannot connect to %s: %s\n", ep,
			zmq_strerror(zmq_errno()));
		if (mon && *mon)
			zmq_close(*mon);
		zmq_close(s);
		return NULL;
	}
	return s;
}

/* Waits for s to have the reply; -ETIMEDOUT, or -EACCES when the gateway
 * refused the handshake (said why). */
static int wait_reply(const struct ctl *ctl, void *s, void *mon, const char *ep)
{
	struct timespec t0, t;
	long left = ctl->timeout_ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (left > 0) {
		zmq_pollitem_t items[2] = { { .socket = s, .events = ZMQ_POLLIN },
					    { .socket = mon, .events = ZMQ_POLLIN } };
		int n = zmq_poll(items, mon ? 2 : 1, left);

		if (n > 0 && (items[0].revents & ZMQ_POLLIN))
			return 0;
		if (n > 0 && mon && (items[1].revents & ZMQ_POLLIN) &&
		    ctl_handshake_refused(ctl, mon, ep))
			return -EACCES;
		if (n < 0 && zmq_errno() != EINTR)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = ctl->timeout_ms - ((t.tv_sec - t0.tv_sec) * 1000 +
					  (t.tv_nsec - t0.tv_nsec) / 1000000);
	}
	fprintf(stderr,
		"handoffctl: no answer from the gateway at %s within %d ms (is handoffd running?)\n",
		ep, ctl->timeout_ms);
	return -ETIMEDOUT;
}

int ctl_request(const struct ctl *ctl, Handoff__V1__Request *req, Handoff__V1__Reply **reply)
{
	const char *ep = ctl->cfg->endpoints.command;
	void *mon;
	void *s = ctl_connect_watched(ctl, ZMQ_DEALER, ep, &mon);
	char id[48];
	size_t len;
	uint8_t *buf;
	zmq_msg_t m;
	int rc = 0;

	*reply = NULL;
	if (!s)
		return -ENOTCONN;
	if (!req->request_id || !req->request_id[0]) {
		snprintf(id, sizeof id, "ctl-%d-%ld", (int)getpid(), (long)time(NULL));
		req->request_id = id;
	}
	/* With a key the gateway records the key's identity: no claim is sent. */
	if ((!req->actor || !req->actor[0]) && !ctl->cert.secret_key[0])
		req->actor = (char *)ctl->actor;
	len = protobuf_c_message_get_packed_size(&req->base);
	buf = malloc(len ? len : 1);
	if (!buf) {
		if (mon)
			zmq_close(mon);
		zmq_close(s);
		return -ENOMEM;
	}
	protobuf_c_message_pack(&req->base, buf);
	if (zmq_send(s, buf, len, 0) < 0)
		rc = -zmq_errno();
	free(buf);
	if (!rc)
		rc = wait_reply(ctl, s, mon, ep);
	if (!rc) {
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, s, 0) < 0) {
			rc = -zmq_errno();
		} else {
			*reply = handoff__v1__reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
			if (!*reply) {
				fprintf(stderr, "handoffctl: undecodable reply from %s\n", ep);
				rc = -EPROTO;
			}
		}
		zmq_msg_close(&m);
	}
	if (mon)
		zmq_close(mon);
	zmq_close(s);
	return rc;
}
