/*
 * bus.c - see bus.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "bus.h"
#include "curve.h"
#include "log.h"

/* Publications a slow subscriber may have queued before libzmq drops for it
 * (per subscriber; the others are unaffected). Alerts are few; position
 * updates are the bulk. Documented in README "Delivery". */
#define PUB_SNDHWM 100000
/* The largest message a subscriber may send (a subscription and its topic). */
#define SUBSCRIPTION_MAX 1024

static uint64_t new_epoch(void)
{
	uint64_t e = 0;

	if (getrandom(&e, sizeof e, 0) != sizeof e) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		e = ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid();
	}
	return e ? e : 1;
}

/* Sends one frame from buf (copied by libzmq). Returns 0 or -errno. */
static int send_frame(void *sock, const void *buf, size_t len, int flags)
{
	if (zmq_send(sock, buf, len, flags | ZMQ_DONTWAIT) < 0)
		return -zmq_errno();
	return 0;
}

/* Packs msg into a new zmq message and sends it as the last frame. */
static int send_packed(void *sock, const ProtobufCMessage *msg)
{
	zmq_msg_t m;
	size_t len = protobuf_c_message_get_packed_size(msg);

	if (zmq_msg_init_size(&m, len) != 0)
		return -ENOMEM;
	protobuf_c_message_pack(msg, zmq_msg_data(&m));
	if (zmq_msg_send(&m, sock, ZMQ_DONTWAIT) < 0) {
		int err = zmq_errno();

		zmq_msg_close(&m);
		return -err;
	}
	return 0;
}

int hf_bus_publish(struct hf_bus *b, const char *topic, Handoff__V1__Publication *p)
{
	struct hf_now now = hf_clock_now(b->clock);
	int rc;

	p->seq = ++b->seq;
	p->epoch = b->epoch;
	p->published_unix_ms = now.unix_ms;
	p->gateway = b->gateway;
	b->last_publish_mono_ns = now.mono_ns;
	rc = send_frame(b->pub.sock, topic, strlen(topic), ZMQ_SNDMORE);
	if (!rc)
		rc = send_packed(b->pub.sock, &p->base);
	if (rc) {
		b->stats.publish_failed++;
		hf_err("publish seq %llu on %s failed: %s", (unsigned long long)p->seq, topic,
		       zmq_strerror(-rc));
		return rc;
	}
	b->stats.published++;
	return 0;
}

static void on_heartbeat(uv_timer_t *t)
{
	struct hf_bus *b = t->data;
	struct hf_now now = hf_clock_now(b->clock);
	Handoff__V1__Publication p;
	Handoff__V1__Heartbeat hb;

	if (now.mono_ns - b->last_publish_mono_ns < (int64_t)b->heartbeat_ms * HF_NS_PER_MS)
		return;
	handoff__v1__publication__init(&p);
	handoff__v1__heartbeat__init(&hb);
	if (b->handlers.heartbeat)
		b->handlers.heartbeat(b->handlers.ctx, &hb);
	p.body_case = HANDOFF__V1__PUBLICATION__BODY_HEARTBEAT;
	p.heartbeat = &hb;
	hf_bus_publish(b, "hb", &p);
}

/* Replies [identity][(empty)][Reply] on the ROUTER. */
static void send_reply(struct hf_bus *b, zmq_msg_t *identity, bool delimiter,
		       struct hf_bus_reply *r)
{
	int rc = send_frame(b->router.sock, zmq_msg_data(identity), zmq_msg_size(identity),
			    ZMQ_SNDMORE);

	if (!rc && delimiter)
		rc = send_frame(b->router.sock, "", 0, ZMQ_SNDMORE);
	if (!rc)
		rc = send_packed(b->router.sock, &r->msg.base);
	if (rc)
		hf_warn("command reply not sent: %s", zmq_strerror(-rc));
	if (r->cleanup)
		r->cleanup(r->arg);
}

struct hf_bus_pending {
	bool delimiter;
	size_t id_len, len;
	uint8_t *data; /* identity, then the packed reply */
};

/* Packs r for sending later (the reply's cleanup runs now). NULL on ENOMEM. */
static struct hf_bus_pending *pend(zmq_msg_t *identity, bool delimiter, struct hf_bus_reply *r)
{
	struct hf_bus_pending *p = calloc(1, sizeof *p);
	size_t len = protobuf_c_message_get_packed_size(&r->msg.base);

	if (p) {
		p->id_len = zmq_msg_size(identity);
		p->len = len;
		p->delimiter = delimiter;
		p->data = malloc(p->id_len + len + 1);
		if (p->data) {
			memcpy(p->data, zmq_msg_data(identity), p->id_len);
			protobuf_c_message_pack(&r->msg.base, p->data + p->id_len);
		} else {
			free(p);
			p = NULL;
		}
	}
	if (r->cleanup)
		r->cleanup(r->arg);
	return p;
}

void hf_bus_pending_free(struct hf_bus_pending *p)
{
	if (!p)
		return;
	free(p->data);
	free(p);
}

void hf_bus_send_pending(struct hf_bus *b, struct hf_bus_pending *p)
{
	int rc;

	if (!p)
		return;
	rc = send_frame(b->router.sock, p->data, p->id_len, ZMQ_SNDMORE);
	if (!rc && p->delimiter)
		rc = send_frame(b->router.sock, "", 0, ZMQ_SNDMORE);
	if (!rc)
		rc = send_frame(b->router.sock, p->data + p->id_len, p->len, 0);
	if (rc)
		hf_warn("deferred command reply not sent: %s", zmq_strerror(-rc));
	hf_bus_pending_free(p);
}

static void bad_request(struct hf_bus *b, zmq_msg_t *identity, bool delimiter, const char *why)
{
	struct hf_bus_reply r = { .cleanup = NULL };

	b->stats.bad_requests++;
	hf_warn("bad command request: %s", why);
	handoff__v1__reply__init(&r.msg);
	r.msg.code = HANDOFF__V1__REPLY_CODE__REPLY_CODE_BAD_REQUEST;
	r.msg.message = (char *)why;
	send_reply(b, identity, delimiter, &r);
}

/* A ROUTER message: [identity][payload] from DEALER, [identity][][payload]
 * from REQ. Anything else is answered with BAD_REQUEST when possible. */
static void on_router_msg(struct hf_zsock *z, zmq_msg_t *frames, size_t n, bool truncated)
{
	struct hf_bus *b = z->data;
	bool delimiter = n == 3 && zmq_msg_size(&frames[1]) == 0;
	zmq_msg_t *payload = &frames[n - 1];
	Handoff__V1__Request *req;
	struct hf_bus_reply r = { .cleanup = NULL };

	if (n < 2 || truncated || (n == 3 && !delimiter) || n > 3) {
		if (n >= 2)
			bad_request(b, &frames[0], false,
				    "expected one Request frame (DEALER) or an empty delimiter "
				    "and one Request frame (REQ)");
		else
			b->stats.bad_requests++;
		return;
	}
	if (zmq_msg_size(payload) > b->max_request) {
		char why[128];

		b->stats.oversized++;
		if (hf_log_sample(b->stats.oversized))
			hf_warn("refused a %zu-byte request (limit %u; %llu refused so far)",
				zmq_msg_size(payload), b->max_request,
				(unsigned long long)b->stats.oversized);
		snprintf(why, sizeof why, "the request is %zu bytes; the limit is %u",
			 zmq_msg_size(payload), b->max_request);
		handoff__v1__reply__init(&r.msg);
		r.msg.code = HANDOFF__V1__REPLY_CODE__REPLY_CODE_TOO_LARGE;
		r.msg.message = why;
		send_reply(b, &frames[0], delimiter, &r);
		return;
	}
	req = handoff__v1__request__unpack(NULL, zmq_msg_size(payload), zmq_msg_data(payload));
	if (!req) {
		bad_request(b, &frames[0], delimiter, "undecodable Request (not handoff.v1.Request)");
		return;
	}
	handoff__v1__reply__init(&r.msg);
	r.msg.request_id = req->request_id;
	struct hf_peer peer = {
		.user_id = b->curve ? zmq_msg_gets(payload, "User-Id") : NULL,
		.address = zmq_msg_gets(payload, "Peer-Address"),
	};

	if (!peer.address)
		peer.address = "";
	b->handlers.request(b->handlers.ctx, req, &peer, &r);
	b->stats.requests++;
	if (r.defer && b->handlers.deferred) {
		struct hf_bus_pending *p = pend(&frames[0], delimiter, &r);

		if (p)
			b->handlers.deferred(b->handlers.ctx, p, r.defer_tag);
		else
			hf_err("out of memory deferring a command reply: it is lost");
	} else {
		send_reply(b, &frames[0], delimiter, &r);
	}
	handoff__v1__request__free_unpacked(req, NULL);
}

static void part_closed(struct hf_bus *b)
{
	if (--b->open_parts == 0 && b->close_cb)
		b->close_cb(b);
}

static void on_zsock_closed(struct hf_zsock *z)
{
	part_closed(z->data);
}

static void on_timer_closed(uv_handle_t *h)
{
	part_closed(h->data);
}

/* Creates a socket, sets common options (CURVE when sec has a key) and
 * binds it; NULL with *rc set. */
static void *open_socket(void *zmq_ctx, int type, const char *ep,
			 const struct hf_bus_security *sec, int *rc)
{
	void *s = zmq_socket(zmq_ctx, type);
	int linger = 0;
	int64_t max;

	if (!s) {
		*rc = -zmq_errno();
		return NULL;
	}
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
	if (type == ZMQ_PUB) {
		int hwm = PUB_SNDHWM;

		zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
		max = SUBSCRIPTION_MAX; /* what subscribers send: subscriptions */
	} else {
		/* Over the limit but under 4x: answered TOO_LARGE and counted;
		 * beyond, libzmq drops the connection without reading it all. */
		max = 4 * (int64_t)sec->max_request;
	}
	zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max);
	if (sec->server_secret && sec->server_secret[0]) {
		*rc = hf_curve_server(s, sec->server_secret,
				      type == ZMQ_PUB ? HF_DOMAIN_PUBLISH : HF_DOMAIN_COMMAND);
		if (*rc) {
			hf_err("cannot set up CURVE on %s: %s", ep, zmq_strerror(-*rc));
			zmq_close(s);
			return NULL;
		}
	}
	if (zmq_bind(s, ep) != 0) {
		*rc = -zmq_errno();
		hf_err("cannot bind %s: %s", ep, zmq_strerror(-*rc));
		zmq_close(s);
		return NULL;
	}
	return s;
}

int hf_bus_init(struct hf_bus *b, uv_loop_t *loop, void *zmq_ctx, const struct hf_clock *clock,
		const char *publish_ep, const char *command_ep, const char *gateway_id,
		uint32_t heartbeat_ms, const struct hf_bus_handlers *handlers,
		const struct hf_bus_security *security)
{
	void *pub, *router;
	int rc = 0;

	memset(b, 0, sizeof *b);
	b->clock = clock;
	b->handlers = *handlers;
	b->epoch = new_epoch();
	b->heartbeat_ms = heartbeat_ms;
	b->curve = security->server_secret && security->server_secret[0];
	b->max_request = security->max_request;
	hf_strlcpy(b->gateway, gateway_id, sizeof b->gateway);
	b->last_publish_mono_ns = hf_clock_now(clock).mono_ns;

	pub = open_socket(zmq_ctx, ZMQ_PUB, publish_ep, security, &rc);
	if (!pub)
		return rc;
	router = open_socket(zmq_ctx, ZMQ_ROUTER, command_ep, security, &rc);
	if (!router) {
		zmq_close(pub);
		return rc;
	}
	rc = hf_zsock_init(&b->pub, loop, pub, NULL);
	if (rc) {
		zmq_close(pub);
		zmq_close(router);
		return rc;
	}
	b->pub.data = b;
	b->open_parts = 1;
	rc = hf_zsock_init(&b->router, loop, router, on_router_msg);
	if (rc) {
		zmq_close(router);
		hf_bus_close(b, NULL);
		return rc;
	}
	b->router.data = b;
	b->open_parts++;
	if (b->curve) {
		hf_zsock_watch_handshakes(&b->pub, loop, zmq_ctx, publish_ep,
					  &b->stats.handshake_failed);
		hf_zsock_watch_handshakes(&b->router, loop, zmq_ctx, command_ep,
					  &b->stats.handshake_failed);
	}
	uv_timer_init(loop, &b->heartbeat);
	b->heartbeat.data = b;
	b->open_parts++;
	uv_timer_start(&b->heartbeat, on_heartbeat, heartbeat_ms, heartbeat_ms);
	return 0;
}

void hf_bus_close(struct hf_bus *b, void (*cb)(struct hf_bus *b))
{
	b->close_cb = cb;
	hf_zsock_close(&b->pub, on_zsock_closed);
	if (b->router.sock)
		hf_zsock_close(&b->router, on_zsock_closed);
	if (uv_is_active((uv_handle_t *)&b->heartbeat) || b->heartbeat.data)
		uv_close((uv_handle_t *)&b->heartbeat, on_timer_closed);
}
