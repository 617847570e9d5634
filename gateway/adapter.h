/*
 * adapter.h - the interface every radio/data source implements.
 *
 * In the spirit of gpsd's drivers: each adapter is one file exporting one
 * `const struct hf_adapter_ops`, built with designated initializers, a comment
 * on every slot; NULL means "not supported" and the gateway checks for it.
 * adapters/registry.c lists them. Adapters turn what they hear into normalized
 * radio events (radio_event.h) and report their link state; they know nothing
 * of the bus or the rules.
 *
 * Life: the gateway fills a struct hf_adapter, calls ops->start(); events flow
 * through host->event() until ops->stop(), which closes every handle and calls
 * `done` once the last one is closed (libuv close callbacks), after which the
 * gateway frees the struct. If start() fails it must have released everything
 * and `stop` is not called.
 */
#ifndef HF_ADAPTER_H
#define HF_ADAPTER_H

#include <uv.h>

#include "clock.h"
#include "config.h"
#include "radio_event.h"

struct hf_adapter;

/* What the gateway offers every adapter. Borrowed for the adapter's life. */
struct hf_adapter_host {
	uv_loop_t *loop;
	void *zmq_ctx;                 /* shared ZeroMQ context */
	const struct hf_clock *clock;
	/* A normalized event heard by adapter a. received_unix_ms 0 = now. */
	void (*event)(struct hf_adapter *a, const struct hf_radio_event *ev);
	/* The adapter's link went up or down (reason: why it is down, "" when up;
	 * attempt: reconnect attempts since it went down). */
	void (*link)(struct hf_adapter *a, bool up, const char *reason, uint32_t attempt);
	/* An adapter serving many peers (ingest) asks before passing on a message
	 * of size bytes from peer: NULL lets it in; otherwise the reason it is
	 * refused (the gateway counts it). ev NULL: the message is over
	 * max_msg_bytes and was not decoded. Emergencies are never refused for
	 * rate. NULL hook: everything is let in. */
	const char *(*admit)(struct hf_adapter *a, const struct hf_peer *peer,
			     const struct hf_radio_event *ev, size_t size);
	void *ctx;                     /* the gateway */
	/* Counters the adapters add to (the gateway's stats). */
	struct hf_adapter_counters *counters;
};

struct hf_adapter_counters {
	uint64_t handshake_failed; /* CURVE clients without keys / wrong server key */
	uint64_t positions_shed;   /* position reports dropped while a link was behind */
};

struct hf_adapter_ops {
	/* Config `type:` value, e.g. "tetra-pei". Required. */
	const char *type;
	/* One line for --help and logs. Required. */
	const char *summary;
	/* Opens the source and starts producing events; returns 0 or a negative
	 * errno (then nothing is left open). A source that is merely unreachable is
	 * not an error: report link down and keep retrying. Required. */
	int (*start)(struct hf_adapter *a);
	/* Stops: closes every handle, frees a->priv, then calls done(a) (from a
	 * close callback, never synchronously). Required. */
	void (*stop)(struct hf_adapter *a, void (*done)(struct hf_adapter *a));
	/* Sends a text SDS to a radio; returns 0 or a negative errno (-ENOTCONN
	 * when the link is down). NULL: this source cannot reach radios. */
	int (*send_sds)(struct hf_adapter *a, uint32_t issi, const char *text);
	/* Describes what it talks to ("127.0.0.1:7710", a device path) into buf.
	 * NULL: the config's name is shown. */
	void (*peer)(const struct hf_adapter *a, char *buf, size_t size);
};

struct hf_adapter {
	const struct hf_adapter_ops *ops;
	struct hf_adapter_config cfg;        /* a copy: the adapter may keep pointers into it */
	const struct hf_adapter_host *host;
	void *priv;                          /* the adapter's own state */
	/* Kept by the gateway: */
	bool up;
	char reason[128];
	uint32_t attempt;
	int64_t since_unix_ms;
};

/* NULL-terminated list of every adapter type (adapters/registry.c). */
extern const struct hf_adapter_ops *const hf_adapter_types[];

/* The ops for a `type:` value, or NULL. */
const struct hf_adapter_ops *hf_adapter_find(const char *type);

/* Every type's name, NULL-terminated: the known_adapter_types that
 * hf_config_load() checks `type:` against. */
const char *const *hf_adapter_type_names(void);

#endif
