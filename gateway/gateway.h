/*
 * gateway.h - the daemon: one libuv loop tying adapters -> engine -> bus.
 *
 * Radio events from adapters go to the engine; the engine's incidents and unit
 * updates go out on the bus; commands and snapshot requests from the bus go to
 * the engine. SIGTERM/SIGINT stop gracefully (every handle closed, so the loop
 * ends and uv_loop_close() succeeds); SIGHUP reloads the config, keeping the
 * old one running if the new one has any problem.
 */
#ifndef HF_GATEWAY_H
#define HF_GATEWAY_H

#include <uv.h>

#include "adapter.h"
#include "bus.h"
#include "engine.h"
#include "access.h"
#include "dirtyset.h"
#include "journal.h"
#include "zap.h"

struct hf_gateway_stats {
	uint64_t events;        /* radio events from adapters */
	uint64_t event_errors;  /* events the engine could not process */
	uint64_t reloads;       /* successful reloads */
	uint64_t reload_errors; /* reloads refused (old config kept) */
	uint64_t sds_failed;    /* SDS to radios that could not be sent */
	uint64_t recovered;     /* incidents recovered from the journal at start */
	uint64_t unit_publications; /* conflated unit updates published */
	/* Security (issue 6): requests and ingest refused, by reason. */
	uint64_t forbidden;             /* a request the client's role does not allow */
	uint64_t revoked;               /* a request from a key no longer in the keys file */
	uint64_t commands_rate_limited; /* requests over security.limits.commands_per_s */
	uint64_t ingest_rate_limited;   /* ingest events over ingest_per_s (never emergencies) */
	uint64_t ingest_too_large;      /* ingest messages over max_ingest_bytes */
	uint64_t ingest_refused;        /* ingest from a revoked key or a wrong role */
	uint64_t ingest_emergency_over_limit; /* emergencies let in past an exhausted limit */
	uint64_t actor_ignored;         /* requests whose claimed actor differed from the key */
};

struct hf_gateway {
	uv_loop_t *loop;
	struct hf_config *cfg;       /* owned */
	const struct hf_clock *clock;
	void *zmq_ctx;               /* borrowed */
	struct hf_engine engine;
	struct hf_bus bus;
	struct hf_zap zap;           /* with CURVE keys: checks every client's key */
	bool curve;                  /* CURVE on (fixed for the run) */
	struct hf_limiter cmd_limits;    /* per identity */
	struct hf_limiter ingest_limits; /* per identity */
	struct hf_adapter_host host;
	struct hf_adapter_counters adapter_counters;
	struct hf_adapter **adapters;
	size_t n_adapters;
	uv_signal_t sigterm;
	uv_signal_t sigint;
	uv_signal_t sighup;
	uv_timer_t deadline;         /* wakes the engine at its next deadline */
	struct hf_journal *journal;  /* NULL until opened */
	uv_timer_t retention;        /* archives old closed incidents hourly */
	uv_timer_t units_flush;      /* writes changed units' states every second */
	struct hf_dirtyset journal_dirty; /* units changed since the journal's last write */
	struct hf_dirtyset publish_dirty; /* units changed since their last publication */
	uv_timer_t units_publish;    /* ticks of the conflation rounds (gateway.unit_publish_ms) */
	uint64_t round_start_ms;     /* loop time the current round began */
	size_t round_left;           /* units still to publish in this round */
	size_t round_per_tick;
	uint64_t seq_reserved;       /* no seq above it may be used before the journal says so */
	uint64_t restarted_after;    /* the last seq of the previous run (0: new journal) */
	int pending_acks;            /* deferred replies waiting for the journal */
	int64_t deadline_armed;      /* monotonic ns it is armed for, INT64_MAX if idle */
	struct hf_now now_cached;    /* the clock as read in loop turn now_turn */
	uint64_t now_turn;
	bool stopping;
	int closing;                 /* parts still closing */
	struct hf_gateway_stats stats;
};

/*
 * Starts the gateway on loop with cfg (taken: freed by hf_gateway_finish, even
 * on error). Binds the bus, starts every adapter and the signal handlers.
 * Returns 0 or a negative errno (then call hf_gateway_stop, run the loop until
 * it ends, and hf_gateway_finish).
 */
int hf_gateway_init(struct hf_gateway *gw, uv_loop_t *loop, void *zmq_ctx,
		    const struct hf_clock *clock, struct hf_config *cfg);

/* Begins a graceful stop: adapters, bus and signal handlers are closed; the
 * loop then runs out of handles and uv_run() returns. Idempotent. */
void hf_gateway_stop(struct hf_gateway *gw);

/* Frees what is left after the loop has ended. */
void hf_gateway_finish(struct hf_gateway *gw);

/* Loads the config file again and applies it; on any problem logs each one
 * and keeps the running config. Returns 0 or a negative errno. */
int hf_gateway_reload(struct hf_gateway *gw);

#endif
