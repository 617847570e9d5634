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

void *ctl_connect(const struct ctl *ctl, int type, const char *ep)
{
	void *s = zmq_socket(ctl->zmq_ctx, type);
	int linger = 0;

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
	if (zmq_connect(s, ep) != 0) {
		fprintf(stderr, "handoffctl: cannot connect to %s: %s\n", ep,
			zmq_strerror(zmq_errno()));
		zmq_close(s);
		return NULL;
	}
	return s;
}

int ctl_request(const struct ctl *ctl, Handoff__V1__Request *req, Handoff__V1__Reply **reply)
{
	const char *ep = ctl->cfg->endpoints.command;
	void *s = ctl_connect(ctl, ZMQ_DEALER, ep);
	char id[48];
	size_t len;
	uint8_t *buf;
	zmq_pollitem_t item;
	zmq_msg_t m;
	int rc = 0;

	*reply = NULL;
	if (!s)
		return -ENOTCONN;
	if (!req->request_id || !req->request_id[0]) {
		snprintf(id, sizeof id, "ctl-%d-%ld", (int)getpid(), (long)time(NULL));
		req->request_id = id;
	}
	if (!req->actor || !req->actor[0])
		req->actor = (char *)ctl->actor;
	len = protobuf_c_message_get_packed_size(&req->base);
	buf = malloc(len ? len : 1);
	if (!buf) {
		zmq_close(s);
		return -ENOMEM;
	}
	protobuf_c_message_pack(&req->base, buf);
	if (zmq_send(s, buf, len, 0) < 0)
		rc = -zmq_errno();
	free(buf);
	item = (zmq_pollitem_t){ .socket = s, .events = ZMQ_POLLIN };
	if (!rc && zmq_poll(&item, 1, ctl->timeout_ms) <= 0) {
		fprintf(stderr,
			"handoffctl: no answer from the gateway at %s within %d ms "
			"(is handoffd running?)\n",
			ep, ctl->timeout_ms);
		rc = -ETIMEDOUT;
	}
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
	zmq_close(s);
	return rc;
}
