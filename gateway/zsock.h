/*
 * zsock.h - a ZeroMQ socket driven by the libuv loop.
 *
 * libzmq exposes a socket's readiness as ZMQ_FD, which is EDGE-triggered: it
 * signals when the socket's state changes, not while messages wait. So on
 * every wake-up we drain: read while ZMQ_EVENTS says ZMQ_POLLIN. A drain stops
 * after a budget of messages (fairness between sockets) and then continues on
 * the next loop iteration through a uv_idle_t, so a burst that arrived all at
 * once is processed without waiting for more traffic. Sending on a socket can
 * consume the edge too: after any send outside the drain, call hf_zsock_kick().
 */
#ifndef HF_ZSOCK_H
#define HF_ZSOCK_H

#include <uv.h>
#include <zmq.h>

#include "hf.h"

#define HF_ZSOCK_MAX_FRAMES 8 /* a ZAP request has 7 */

struct hf_zsock;

/* One complete message: frames[0..n-1], valid only during the call. If the
 * message had more than HF_ZSOCK_MAX_FRAMES frames, truncated is true and the
 * rest were discarded. */
typedef void (*hf_zsock_msg_cb)(struct hf_zsock *z, zmq_msg_t *frames, size_t n,
				bool truncated);

struct hf_zsock {
	void *sock;       /* owned: closed by hf_zsock_close */
	uv_poll_t poll;
	uv_idle_t idle;
	hf_zsock_msg_cb on_msg;
	void *data;       /* for the owner */
	unsigned budget;  /* messages per drain step (default 256) */
	uint64_t received;
	int open_handles;
	bool closing;
	void (*close_cb)(struct hf_zsock *z);
};

/* Takes sock (already bound/connected) and starts watching it. on_msg may be
 * NULL for a send-only socket (then nothing is polled). Returns 0 or a negative
 * errno; on error the socket is still the caller's. */
int hf_zsock_init(struct hf_zsock *z, uv_loop_t *loop, void *sock, hf_zsock_msg_cb on_msg);

/* Checks for messages that arrived while the edge was consumed elsewhere
 * (after a send, or from outside the loop) and schedules a drain. */
void hf_zsock_kick(struct hf_zsock *z);

/* Stops watching, closes the libuv handles, then the ZeroMQ socket (with
 * linger 0), then calls cb (may be NULL) from a close callback. */
void hf_zsock_close(struct hf_zsock *z, void (*cb)(struct hf_zsock *z));

#endif
