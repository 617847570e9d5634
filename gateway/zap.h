/*
 * zap.h - the ZAP handler (ZeroMQ RFC 27): libzmq asks it, for every client
 * completing a CURVE handshake on one of the gateway's sockets, whether that
 * client's public key may connect. It answers from the keys file: a known key
 * whose role may use that endpoint (hf_access_domain) is accepted with its
 * name as the ZeroMQ User-Id, which every message from it then carries; any
 * other key is refused, logged (a few, then one in a thousand) and counted.
 *
 * It is a REP socket bound to inproc://zeromq.zap.01 in the gateway's ZeroMQ
 * context, driven by the libuv loop. It must be bound before any CURVE socket
 * binds and stay until they are closed: libzmq lets every key in when no
 * handler is bound.
 */
#ifndef HF_ZAP_H
#define HF_ZAP_H

#include <uv.h>

#include "config.h"
#include "zsock.h"

struct hf_zap_stats {
	uint64_t accepted;
	uint64_t refused_unknown; /* key not in the keys file */
	uint64_t refused_role;    /* known key, endpoint not for its role */
	uint64_t refused_other;   /* not CURVE, or a malformed request */
};

struct hf_zap {
	struct hf_zsock z;
	const struct hf_config *cfg; /* borrowed: the running config */
	struct hf_zap_stats stats;
	void (*close_cb)(struct hf_zap *zap);
};

/* Binds the handler in zmq_ctx; 0 or a negative errno. */
int hf_zap_init(struct hf_zap *zap, uv_loop_t *loop, void *zmq_ctx, const struct hf_config *cfg);
/* The keys file to answer from after a reload. */
void hf_zap_set_config(struct hf_zap *zap, const struct hf_config *cfg);
/* Closes it, then calls cb (may be NULL) from a close callback. */
void hf_zap_close(struct hf_zap *zap, void (*cb)(struct hf_zap *zap));

#endif
