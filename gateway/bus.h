/*
 * bus.h - the gateway's ZeroMQ face: a PUB socket for everything it publishes
 * and a ROUTER socket for commands and snapshot requests.
 *
 * Every publication gets the next sequence number (strictly increasing, never
 * reused within an epoch) and the epoch (a random id of this run); a heartbeat
 * goes out when nothing else was published for heartbeat_ms. The Clone pattern
 * (ZeroMQ Guide ch. 5): a client subscribes, asks for a snapshot on the ROUTER,
 * and applies only publications with seq greater than the snapshot's.
 */
#ifndef HF_BUS_H
#define HF_BUS_H

#include <uv.h>

#include "clock.h"
#include "handoff/v1/bus.pb-c.h"
#include "handoff/v1/command.pb-c.h"
#include "zsock.h"

/* CURVE and size limits for the bus's sockets. */
struct hf_bus_security {
	const char *server_secret; /* the gateway's secret key (Z85); NULL or "": no CURVE */
	uint32_t max_request;      /* a larger request is answered TOO_LARGE and counted */
};

/* A reply being built by the request handler. msg may point into memory the
 * handler owns; the bus calls cleanup(arg) (if set) once msg is packed. */
struct hf_bus_reply {
	Handoff__V1__Reply msg;
	void (*cleanup)(void *arg);
	void *arg;
	/* Set by the handler to send the reply later: the bus packs it now and
	 * hands a struct hf_bus_pending to handlers.deferred(ctx, pending, tag). */
	bool defer;
	void *defer_tag;
};

/* A packed reply waiting to be sent (hf_bus_send_pending sends and frees it). */
struct hf_bus_pending;

struct hf_bus_handlers {
	/* A decoded request; fill reply (msg is initialized, request_id copied). */
	void (*request)(void *ctx, const Handoff__V1__Request *req, const struct hf_peer *peer,
			struct hf_bus_reply *reply);
	/* Fill the counters of a heartbeat about to be published. */
	void (*heartbeat)(void *ctx, Handoff__V1__Heartbeat *hb);
	/* A reply the handler deferred (taken: pass it to hf_bus_send_pending). */
	void (*deferred)(void *ctx, struct hf_bus_pending *pending, void *tag);
	void *ctx;
};

struct hf_bus_stats {
	uint64_t published;      /* publications sent */
	uint64_t publish_failed; /* publications libzmq refused (never silently) */
	uint64_t requests;       /* requests answered */
	uint64_t bad_requests;   /* undecodable or malformed requests */
	uint64_t oversized;      /* requests over security.max_request */
};

struct hf_bus {
	struct hf_zsock pub;    /* send-only */
	struct hf_zsock router;
	uv_timer_t heartbeat;
	const struct hf_clock *clock;
	struct hf_bus_handlers handlers;
	char gateway[HF_ID_MAX];
	uint64_t seq;           /* last sequence number used */
	uint64_t epoch;
	uint32_t heartbeat_ms;
	int64_t last_publish_mono_ns;
	struct hf_bus_stats stats;
	bool curve;             /* requests carry the ZAP User-Id */
	uint32_t max_request;
	int open_parts;
	void (*close_cb)(struct hf_bus *b);
};

/*
 * Binds publish_ep (PUB) and command_ep (ROUTER) and starts the heartbeat.
 * Returns 0, or a negative errno (e.g. -EADDRINUSE) with nothing left open.
 */
int hf_bus_init(struct hf_bus *b, uv_loop_t *loop, void *zmq_ctx, const struct hf_clock *clock,
		const char *publish_ep, const char *command_ep, const char *gateway_id,
		uint32_t heartbeat_ms, const struct hf_bus_handlers *handlers,
		const struct hf_bus_security *security);

/*
 * Publishes p on topic: fills p->seq, epoch, published_unix_ms and gateway,
 * packs and sends [topic][payload] without blocking. Returns 0 or a negative
 * errno (counted; the sequence number is used either way, so subscribers see
 * the gap and re-sync).
 */
int hf_bus_publish(struct hf_bus *b, const char *topic, Handoff__V1__Publication *p);

/* Sends a deferred reply and frees it; NULL is a no-op. */
void hf_bus_send_pending(struct hf_bus *b, struct hf_bus_pending *pending);
/* Frees a deferred reply without sending it (the bus is closing). */
void hf_bus_pending_free(struct hf_bus_pending *pending);

/* Closes both sockets and the timer; cb (may be NULL) once all are closed. */
void hf_bus_close(struct hf_bus *b, void (*cb)(struct hf_bus *b));

#endif
