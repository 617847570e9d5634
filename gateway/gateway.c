/*
 * gateway.c - see gateway.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "log.h"
#include "notify.h"
#include "wire.h"

/* The period of the background work on units: journal slices and the
 * spread-out publication rounds. */
#define UNITS_TICK_MS 5

/* Sequence numbers are reserved in the journal in blocks, ahead of use, so a
 * restart never reuses one (it resumes above the reservation). */
#define SEQ_BLOCK 100000
#define SEQ_MARGIN 10000

/* ---------------------------------------------------------------- outputs */

/* Reserves the next block of seqs when the current one runs low. */
static void reserve_seq(struct hf_gateway *gw)
{
	if (!gw->journal || gw->bus.seq + SEQ_MARGIN < gw->seq_reserved)
		return;
	gw->seq_reserved = gw->bus.seq + SEQ_BLOCK;
	if (hf_journal_reserve_seq(gw->journal, gw->seq_reserved) != 0)
		hf_warn("journal: seq reservation up to %llu not yet durable",
			(unsigned long long)gw->seq_reserved);
}

/* Publishes on the bus and keeps the journal's seq reservation ahead. */
static void publish(struct hf_gateway *gw, const char *topic, Handoff__V1__Publication *p)
{
	hf_bus_publish(&gw->bus, topic, p);
	reserve_seq(gw);
}

/* Packs a message into buf (size bytes) or a new heap buffer; *heap says
 * which. NULL on allocation failure. */
static uint8_t *pack(const ProtobufCMessage *m, uint8_t *buf, size_t size, size_t *len,
		     bool *heap)
{
	*len = protobuf_c_message_get_packed_size(m);
	*heap = *len > size;
	if (*heap && !(buf = malloc(*len)))
		return NULL;
	protobuf_c_message_pack(m, buf);
	return buf;
}

static void publish_incident(void *ctx, const struct hf_engine *e,
			     const struct hf_incident *inc, const struct hf_now *now)
{
	struct hf_gateway *gw = ctx;
	struct hf_wire_incident w;
	Handoff__V1__Publication p;
	char topic[128];

	hf_wire_incident(&w, e, inc, now);
	/* Journal first, publish second: an alert a subscriber saw is in the
	 * WAL, so a crash right after cannot make it vanish from snapshots. */
	if (gw->journal) {
		uint8_t stack[4096], *buf;
		size_t len;
		bool heap;

		buf = pack(&w.msg.base, stack, sizeof stack, &len, &heap);
		if (buf)
			hf_journal_incident(gw->journal, inc->id, inc->number,
					    hf_incident_is_open(inc), inc->updated_unix_ms,
					    inc->change_source, inc->change_actor, inc->last_change,
					    gw->bus.seq + 1, buf, len);
		else
			hf_err("%s: out of memory journaling a change", inc->id);
		if (heap)
			free(buf);
	}
	handoff__v1__publication__init(&p);
	p.body_case = HANDOFF__V1__PUBLICATION__BODY_INCIDENT;
	p.incident = &w.msg;
	hf_wire_incident_topic(inc, topic, sizeof topic);
	publish(gw, topic, &p);
}

/* Notes that unit i changed: its state is journaled at the next flush (units
 * move constantly, so their states are conflated, never queued). */
static void mark_dirty(struct hf_gateway *gw, uint32_t i)
{
	if (gw->journal)
		hf_dirtyset_add(&gw->journal_dirty, i);
}

struct unit_flush {
	struct hf_gateway *gw;
	struct hf_wire_unit w;
	char key[128];
	uint8_t buf[2048];
	int64_t unix_ms;
};

/* hf_journal_units' get: the i-th dirty unit's state, packed now. */
static int dirty_unit(void *ctx, size_t i, struct hf_journal_unit *out)
{
	struct unit_flush *f = ctx;
	const struct hf_unit *u = hf_registry_at(&f->gw->engine.reg, f->gw->journal_dirty.list[i]);
	size_t len;

	hf_wire_unit(&f->w, &f->gw->engine, u);
	len = protobuf_c_message_get_packed_size(&f->w.msg.base);
	if (len > sizeof f->buf)
		return -1;
	protobuf_c_message_pack(&f->w.msg.base, f->buf);
	hf_wire_unit_topic(u, f->key, sizeof f->key);
	out->key = f->key + strlen("unit.");
	out->state = f->buf;
	out->len = len;
	out->unix_ms = f->unix_ms;
	return 0;
}

/* Writes the states of up to max changed units; false if the journal refused. */
static bool flush_units(struct hf_gateway *gw, size_t max)
{
	struct unit_flush f = { .gw = gw, .unix_ms = hf_clock_now(gw->clock).unix_ms };
	size_t n = gw->journal_dirty.n < max ? gw->journal_dirty.n : max;

	if (!gw->journal || !n)
		return true;
	if (hf_journal_units(gw->journal, n, dirty_unit, &f) != 0)
		return false; /* kept dirty: written when the journal can */
	hf_dirtyset_drop_front(&gw->journal_dirty, n);
	return true;
}

static void on_units_publish(uv_timer_t *t);

/* (Re)starts the conflation round at gateway.unit_publish_ms (off at 0). */
static void start_units_publish(struct hf_gateway *gw)
{
	uint32_t ms = gw->cfg->gateway.unit_publish_ms;

	if (ms)
		uv_timer_start(&gw->units_publish, on_units_publish, UNITS_TICK_MS, UNITS_TICK_MS);
	else
		uv_timer_stop(&gw->units_publish);
}

/* Units' states are journaled in small slices (JOURNAL_SLICE units every
 * UNITS_TICK_MS), never a long transaction that would hold up an emergency:
 * up to 20,000 units a second; a unit that changes meanwhile is written once,
 * with its latest state. */
#define JOURNAL_SLICE 100

static void on_units_flush(uv_timer_t *t)
{
	flush_units(t->data, JOURNAL_SLICE);
}

/* Publishes unit u's state as it is now on unit.<id>. */
static void send_unit(struct hf_gateway *gw, const struct hf_unit *u)
{
	struct hf_wire_unit w;
	Handoff__V1__Publication p;
	char topic[128];

	hf_wire_unit(&w, &gw->engine, u);
	handoff__v1__publication__init(&p);
	p.body_case = HANDOFF__V1__PUBLICATION__BODY_UNIT;
	p.unit = &w.msg;
	hf_wire_unit_topic(u, topic, sizeof topic);
	publish(gw, topic, &p);
}

/*
 * Unit updates are conflated per unit (alerts never are): a changed unit is
 * marked, and once per round (gateway.unit_publish_ms) each unit marked when
 * the round began goes out once, with its latest state, at most
 * UNIT_PUBLISH_PER_S a second in all (the rest keep their place). A round's
 * publications are spread over UNITS_TICK_MS ticks, so no loop turn spends
 * long on them. A thousand reports a second from one radio cost subscribers
 * one message per round; 0 ms publishes every change at once.
 */
#define UNIT_PUBLISH_PER_S 200000

static void publish_unit(void *ctx, const struct hf_engine *e, const struct hf_unit *u,
			 const struct hf_now *now)
{
	struct hf_gateway *gw = ctx;

	mark_dirty(gw, u->index);
	if (!gw->cfg->gateway.unit_publish_ms) {
		send_unit(gw, u);
		return;
	}
	if (hf_dirtyset_add(&gw->publish_dirty, u->index) != 0)
		send_unit(gw, u); /* out of memory to defer it: publish now */
}

static void on_units_publish(uv_timer_t *t)
{
	struct hf_gateway *gw = t->data;
	uint64_t ms = gw->cfg->gateway.unit_publish_ms; /* > 0: the timer runs only then */
	uint64_t now = uv_now(gw->loop);
	size_t n;

	if (now >= gw->round_start_ms + ms) {
		size_t budget = (size_t)(UNIT_PUBLISH_PER_S * ms / 1000);
		uint64_t ticks = ms / UNITS_TICK_MS ? ms / UNITS_TICK_MS : 1;

		gw->round_start_ms = now;
		gw->round_left = gw->publish_dirty.n < budget ? gw->publish_dirty.n : budget;
		gw->round_per_tick = (size_t)((gw->round_left + ticks - 1) / ticks);
	}
	n = gw->round_left < gw->round_per_tick ? gw->round_left : gw->round_per_tick;
	if (n > gw->publish_dirty.n)
		n = gw->publish_dirty.n;
	for (size_t i = 0; i < n; i++)
		send_unit(gw, hf_registry_at(&gw->engine.reg, gw->publish_dirty.list[i]));
	hf_dirtyset_drop_front(&gw->publish_dirty, n);
	gw->round_left -= n;
	gw->stats.unit_publications += n;
}

static void publish_link(struct hf_gateway *gw, const struct hf_adapter *a)
{
	struct hf_wire_link w;
	Handoff__V1__Publication p;
	char topic[128];

	hf_wire_link(&w, a);
	handoff__v1__publication__init(&p);
	p.body_case = HANDOFF__V1__PUBLICATION__BODY_LINK;
	p.link = &w.msg;
	snprintf(topic, sizeof topic, "link.%s", a->cfg.name);
	publish(gw, topic, &p);
}

/* Tells dispatchers something that is not an incident. */
static void publish_notice(void *ctx, const struct hf_engine *e, const struct hf_notice *n,
			   const struct hf_now *now)
{
	struct hf_gateway *gw = ctx;
	struct hf_wire_notice w;
	Handoff__V1__Publication p;
	char topic[128];

	hf_wire_notice(&w, e, n);
	handoff__v1__publication__init(&p);
	p.body_case = HANDOFF__V1__PUBLICATION__BODY_NOTICE;
	p.notice = &w.msg;
	hf_wire_notice_topic(n, topic, sizeof topic);
	publish(gw, topic, &p);
}

static struct hf_adapter *adapter_named(struct hf_gateway *gw, const char *name)
{
	for (size_t i = 0; i < gw->n_adapters; i++)
		if (strcmp(gw->adapters[i]->cfg.name, name) == 0)
			return gw->adapters[i];
	return NULL;
}

/* Sends an SDS to a radio through the adapter that heard it; a failure is
 * logged and told to dispatchers (they may need to call the PCSO instead). */
static void send_sds(void *ctx, const struct hf_engine *e, const struct hf_unit *to,
		     const char *via, const char *text, const struct hf_now *now)
{
	struct hf_gateway *gw = ctx;
	struct hf_adapter *a = adapter_named(gw, via);
	char why[200];
	int rc;

	if (!a || !a->ops->send_sds) {
		rc = -ENOTSUP;
		snprintf(why, sizeof why, "cannot send SDS to %s: %s %s", to->callsign,
			 a ? "adapter cannot reach radios:" : "no adapter", via);
	} else if ((rc = a->ops->send_sds(a, to->issi, text)) != 0) {
		snprintf(why, sizeof why, "cannot send SDS to %s via %s: %s", to->callsign, via,
			 uv_strerror(rc));
	}
	if (rc == 0) {
		hf_info("SDS to %s (ISSI %u) via %s: %s", to->callsign, (unsigned)to->issi, via,
			text);
		return;
	}
	gw->stats.sds_failed++;
	hf_warn("%s", why);
	publish_notice(gw, e, &(struct hf_notice){ .kind = "sds_failed",
		       .severity = HF_SEV_WARNING, .unit = to->index, .area = to->area,
		       .text = why }, now);
}

/* ---------------------------------------------------------------- deadlines */

static void on_deadline(uv_timer_t *t);

/* Arms the deadline timer for the engine's next deadline, if it moved. */
static void rearm(struct hf_gateway *gw, const struct hf_now *now)
{
	int64_t next = hf_engine_next_deadline(&gw->engine);
	int64_t delay_ns;

	if (next == gw->deadline_armed || gw->stopping)
		return;
	gw->deadline_armed = next;
	if (next == INT64_MAX) {
		uv_timer_stop(&gw->deadline);
		return;
	}
	delay_ns = next - now->mono_ns;
	uv_timer_start(&gw->deadline, on_deadline,
		       delay_ns <= 0 ? 0 : (uint64_t)((delay_ns + HF_NS_PER_MS - 1) / HF_NS_PER_MS),
		       0);
}

static void on_deadline(uv_timer_t *t)
{
	struct hf_gateway *gw = t->data;
	struct hf_now now = hf_clock_now(gw->clock);

	hf_engine_tick(&gw->engine, &now);
	gw->deadline_armed = 0; /* fired: arm afresh */
	rearm(gw, &now);
}

/* ---------------------------------------------------------------- adapters */

/* The time for an event: read once per loop turn (uv_now changes each turn),
 * not per event: a busy link delivers thousands per turn, and two clock
 * reads each were 6% of the gateway's time at a million reports a second. */
static struct hf_now event_time(struct hf_gateway *gw)
{
	uint64_t turn = uv_now(gw->loop);

	if (turn != gw->now_turn || !gw->now_cached.mono_ns) {
		gw->now_cached = hf_clock_now(gw->clock);
		gw->now_turn = turn;
	}
	return gw->now_cached;
}

static void on_adapter_event(struct hf_adapter *a, const struct hf_radio_event *ev_in)
{
	struct hf_gateway *gw = a->host->ctx;
	struct hf_now now = event_time(gw);
	struct hf_radio_event ev = *ev_in;

	gw->stats.events++;
	if (!ev.source[0])
		hf_strlcpy(ev.source, a->cfg.name, sizeof ev.source);
	if (!ev.received_unix_ms)
		ev.received_unix_ms = now.unix_ms;
	if (hf_engine_on_event(&gw->engine, &ev, &now) != 0)
		gw->stats.event_errors++;
	rearm(gw, &now);
}

/* ---------------------------------------------------------------- access */

/* Who sent a request or an ingest message. */
struct who {
	const char *name;                /* recorded as the actor */
	enum hf_client_role role;
	const struct hf_client_key *key; /* NULL without CURVE */
	bool limited;                    /* rate limits apply */
};

/* Logs the first few of a kind of refusal, then one in a thousand. */
#define LOG_REFUSAL(count, ...)                \
	do {                                   \
		if (hf_log_sample(count))      \
			hf_warn(__VA_ARGS__);  \
	} while (0)

/* Resolves peer: under CURVE the ZAP handler's identity, looked up in the
 * running keys file again (a key removed by a reload stops working at once);
 * without keys a local client, trusted on loopback and rate-limited by
 * address elsewhere (security.insecure). false: the key was revoked. */
static bool identify(struct hf_gateway *gw, const struct hf_peer *peer, const char *claimed,
		     struct who *w)
{
	memset(w, 0, sizeof *w);
	if (gw->curve) {
		w->key = hf_access_find_name(gw->cfg, peer->user_id);
		if (!w->key)
			return false;
		w->name = w->key->name;
		w->role = w->key->role;
		w->limited = true;
		return true;
	}
	w->name = claimed && claimed[0] ? claimed : "";
	w->role = HF_CLIENT_LOCAL;
	w->limited = peer->address[0] && strcmp(peer->address, "127.0.0.1") != 0 &&
		     strcmp(peer->address, "::1") != 0;
	return true;
}

/* The bucket key of a limited identity: its name, or its address without keys. */
static const char *limit_key(const struct who *w, const struct hf_peer *peer)
{
	return w->key ? w->key->name : peer->address;
}

static bool is_emergency(const struct hf_gateway *gw, const struct hf_radio_event *ev)
{
	const char *meaning;

	if (hf_radio_event_is_emergency(ev))
		return true;
	meaning = ev->has_status ? hf_config_status_meaning(gw->cfg, ev->status) : NULL;
	return meaning && strcmp(meaning, "emergency") == 0;
}

static const char *on_adapter_admit(struct hf_adapter *a, const struct hf_peer *peer,
				    const struct hf_radio_event *ev, size_t size)
{
	struct hf_gateway *gw = a->host->ctx;
	const struct hf_config *cfg = gw->cfg;
	struct who w;

	if (!ev) {
		gw->stats.ingest_too_large++;
		return "over security.limits.max_ingest_bytes";
	}
	if (!identify(gw, peer, NULL, &w) || !hf_access_domain(w.role, HF_DOMAIN_INGEST)) {
		gw->stats.ingest_refused++;
		LOG_REFUSAL(gw->stats.ingest_refused,
			    "%s: refused an event from %s: key no longer in the keys file, or "
			    "not an adapter's (%llu so far)", a->cfg.name,
			    peer->user_id ? peer->user_id : peer->address,
			    (unsigned long long)gw->stats.ingest_refused);
		return "key revoked or not an adapter's";
	}
	if (!w.limited)
		return NULL;
	if (hf_limiter_take(&gw->ingest_limits, limit_key(&w, peer),
			    cfg->security.limits.ingest_per_s, cfg->security.limits.ingest_burst,
			    event_time(gw).mono_ns))
		return NULL;
	/* Nothing ever rate-limits the emergency path. */
	if (is_emergency(gw, ev)) {
		gw->stats.ingest_emergency_over_limit++;
		return NULL;
	}
	gw->stats.ingest_rate_limited++;
	LOG_REFUSAL(gw->stats.ingest_rate_limited,
		    "%s: %s is over its ingest rate limit: its reports are shed, its "
		    "emergencies always pass (%llu shed so far)", a->cfg.name,
		    limit_key(&w, peer), (unsigned long long)gw->stats.ingest_rate_limited);
	return "over the ingest rate limit";
}

static void on_adapter_link(struct hf_adapter *a, bool up, const char *reason,
			    uint32_t attempt)
{
	struct hf_gateway *gw = a->host->ctx;
	bool changed = a->up != up || a->since_unix_ms == 0;

	a->attempt = attempt;
	hf_strlcpy(a->reason, reason ? reason : "", sizeof a->reason);
	if (changed) {
		a->up = up;
		a->since_unix_ms = hf_clock_now(gw->clock).unix_ms;
		if (up)
			hf_notice("%s: link up", a->cfg.name);
		else
			hf_warn("%s: link DOWN: %s", a->cfg.name, a->reason);
	}
	/* Every change, and every 10th failed attempt as a reminder. */
	if (changed || (!up && attempt % 10 == 0))
		publish_link(gw, a);
}

static void free_adapter(struct hf_adapter *a)
{
	free(a);
}

static void on_adapter_stopped(struct hf_adapter *a)
{
	struct hf_gateway *gw = a->host->ctx;

	free_adapter(a);
	gw->closing--;
}

/* Creates and starts one adapter; NULL if it could not start (logged). */
static struct hf_adapter *start_adapter(struct hf_gateway *gw,
					const struct hf_adapter_config *cfg)
{
	const struct hf_adapter_ops *ops = hf_adapter_find(cfg->type);
	struct hf_adapter *a;
	int rc;

	if (!ops) {
		hf_err("%s: unknown adapter type %s", cfg->name, cfg->type);
		return NULL;
	}
	a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->ops = ops;
	a->cfg = *cfg;
	a->host = &gw->host;
	rc = ops->start(a);
	if (rc) {
		hf_err("%s: cannot start %s adapter: %s", cfg->name, ops->type, uv_strerror(rc));
		free_adapter(a);
		return NULL;
	}
	hf_info("%s: %s adapter started", cfg->name, ops->type);
	return a;
}

static void stop_adapter(struct hf_gateway *gw, struct hf_adapter *a)
{
	gw->closing++;
	a->ops->stop(a, on_adapter_stopped);
}

/* The adapters a config asks for, plus the ingest endpoint as an adapter. */
static size_t wanted_adapters(const struct hf_config *cfg, struct hf_adapter_config **out)
{
	size_t n = cfg->n_adapters;
	struct hf_adapter_config *list = calloc(n + 1, sizeof *list);

	if (!list) {
		*out = NULL;
		return 0;
	}
	memcpy(list, cfg->adapters, n * sizeof *list);
	if (cfg->endpoints.ingest[0]) {
		hf_strlcpy(list[n].name, "ingest", sizeof list[n].name);
		hf_strlcpy(list[n].type, "ingest", sizeof list[n].type);
		hf_strlcpy(list[n].bind, cfg->endpoints.ingest, sizeof list[n].bind);
		hf_strlcpy(list[n].curve_secret, cfg->security.server_secret,
			   sizeof list[n].curve_secret);
		list[n].max_msg_bytes = cfg->security.limits.max_ingest_bytes;
		n++;
	}
	*out = list;
	return n;
}

static bool same_adapter_config(const struct hf_adapter_config *a,
				const struct hf_adapter_config *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->type, b->type) == 0 &&
	       strcmp(a->connect, b->connect) == 0 && strcmp(a->bind, b->bind) == 0 &&
	       a->reconnect_min_ms == b->reconnect_min_ms &&
	       a->reconnect_max_ms == b->reconnect_max_ms && strcmp(a->host, b->host) == 0 &&
	       a->port == b->port && strcmp(a->device, b->device) == 0 &&
	       strcmp(a->unit, b->unit) == 0 && a->baud == b->baud &&
	       a->liveness_ms == b->liveness_ms &&
	       a->command_timeout_ms == b->command_timeout_ms &&
	       strcmp(a->curve_secret, b->curve_secret) == 0 &&
	       a->max_msg_bytes == b->max_msg_bytes;
}

/* Makes the running adapters match cfg: unchanged ones keep running (and
 * their links), changed ones restart, removed ones stop, new ones start. */
static int sync_adapters(struct hf_gateway *gw, const struct hf_config *cfg)
{
	struct hf_adapter_config *want;
	size_t n_want = wanted_adapters(cfg, &want);
	struct hf_adapter **next;

	if (!want)
		return -ENOMEM;
	next = calloc(n_want + 1, sizeof *next);
	if (!next) {
		free(want);
		return -ENOMEM;
	}
	for (size_t i = 0; i < gw->n_adapters; i++) {
		struct hf_adapter *a = gw->adapters[i];
		bool keep = false;

		for (size_t j = 0; j < n_want && !keep; j++) {
			if (!next[j] && same_adapter_config(&a->cfg, &want[j])) {
				next[j] = a;
				keep = true;
			}
		}
		if (!keep) {
			hf_info("%s: adapter stopped (config changed)", a->cfg.name);
			stop_adapter(gw, a);
		}
	}
	for (size_t j = 0; j < n_want; j++)
		if (!next[j])
			next[j] = start_adapter(gw, &want[j]);
	/* Compact: adapters that failed to start are left out (and logged). */
	size_t n = 0;

	for (size_t j = 0; j < n_want; j++)
		if (next[j])
			next[n++] = next[j];
	free(gw->adapters);
	gw->adapters = next;
	gw->n_adapters = n;
	free(want);
	return 0;
}

/* ---------------------------------------------------------------- requests */

struct snapshot_scratch {
	Handoff__V1__Snapshot snap;
	struct hf_wire_incident *inc;
	Handoff__V1__Incident **incp;
	struct hf_wire_unit *unit;
	Handoff__V1__UnitState **unitp;
	struct hf_wire_link *link;
	Handoff__V1__LinkState **linkp;
};

static void free_snapshot(void *arg)
{
	struct snapshot_scratch *s = arg;

	free(s->inc);
	free(s->incp);
	free(s->unit);
	free(s->unitp);
	free(s->link);
	free(s->linkp);
	free(s);
}

static void answer_snapshot(struct hf_gateway *gw, const Handoff__V1__SnapshotRequest *req,
			    struct hf_bus_reply *reply, const struct hf_now *now)
{
	const struct hf_engine *e = &gw->engine;
	struct snapshot_scratch *s = calloc(1, sizeof *s);
	size_t n_inc = e->incidents.n, n_unit = req->include_units ? e->reg.n : 0;

	if (s) {
		s->inc = calloc(n_inc + 1, sizeof *s->inc);
		s->incp = calloc(n_inc + 1, sizeof *s->incp);
		s->unit = calloc(n_unit + 1, sizeof *s->unit);
		s->unitp = calloc(n_unit + 1, sizeof *s->unitp);
		s->link = calloc(gw->n_adapters + 1, sizeof *s->link);
		s->linkp = calloc(gw->n_adapters + 1, sizeof *s->linkp);
	}
	if (!s || !s->inc || !s->incp || !s->unit || !s->unitp || !s->link || !s->linkp) {
		if (s)
			free_snapshot(s);
		reply->msg.code = HANDOFF__V1__REPLY_CODE__REPLY_CODE_INTERNAL;
		reply->msg.message = "out of memory building the snapshot";
		return;
	}
	handoff__v1__snapshot__init(&s->snap);
	s->snap.seq = gw->bus.seq;
	s->snap.epoch = gw->bus.epoch;
	s->snap.gateway = gw->bus.gateway;
	for (size_t i = 0; i < n_inc; i++) {
		const struct hf_incident *inc = e->incidents.items[i];

		if (!req->include_closed && !hf_incident_is_open(inc))
			continue;
		hf_wire_incident(&s->inc[s->snap.n_incidents], e, inc, now);
		s->incp[s->snap.n_incidents] = &s->inc[s->snap.n_incidents].msg;
		s->snap.n_incidents++;
	}
	s->snap.incidents = s->incp;
	for (size_t i = 0; i < n_unit; i++) {
		hf_wire_unit(&s->unit[i], e, hf_registry_at(&e->reg, (uint32_t)i));
		s->unitp[i] = &s->unit[i].msg;
	}
	s->snap.n_units = n_unit;
	s->snap.units = s->unitp;
	for (size_t i = 0; i < gw->n_adapters; i++) {
		hf_wire_link(&s->link[i], gw->adapters[i]);
		s->linkp[i] = &s->link[i].msg;
	}
	s->snap.n_links = gw->n_adapters;
	s->snap.links = s->linkp;
	reply->msg.code = HANDOFF__V1__REPLY_CODE__REPLY_CODE_OK;
	reply->msg.snapshot = &s->snap;
	reply->cleanup = free_snapshot;
	reply->arg = s;
}

static void free_scratch(void *arg)
{
	free(arg);
}

/* The kind a request asks for (hf_command_kind or hf_request_kind), -1 if none. */
static int request_kind(const Handoff__V1__Request *req)
{
	switch (req->body_case) {
	case HANDOFF__V1__REQUEST__BODY_SNAPSHOT:
		return HF_REQ_SNAPSHOT;
	case HANDOFF__V1__REQUEST__BODY_STATS:
		return HF_REQ_STATS;
	case HANDOFF__V1__REQUEST__BODY_COMMAND:
		return (int)req->command->kind;
	default:
		return -1;
	}
}

/* Checks who may send req; false with the reply filled if they may not. */
static bool admit_request(struct hf_gateway *gw, const Handoff__V1__Request *req,
			  const struct hf_peer *peer, const struct hf_now *now, struct who *w,
			  struct hf_bus_reply *reply)
{
	const struct hf_config *cfg = gw->cfg;
	const char *why;
	int kind = request_kind(req);

	if (!identify(gw, peer, req->actor, w)) {
		gw->stats.revoked++;
		LOG_REFUSAL(gw->stats.revoked, "refused a request from %s: the key is no longer "
			    "in the keys file (%llu so far)", peer->user_id ? peer->user_id : "?",
			    (unsigned long long)gw->stats.revoked);
		reply->msg.code = HANDOFF__V1__REPLY_CODE__REPLY_CODE_FORBIDDEN;
		reply->msg.message = "this key is no longer in the gateway's keys file";
		return false;
	}
	reply->msg.actor = (char *)w->name;
	if (w->limited &&
	    !hf_limiter_take(&gw->cmd_limits, limit_key(w, peer), cfg->security.limits.commands_per_s,
			     cfg->security.limits.commands_burst, now->mono_ns)) {
		gw->stats.commands_rate_limited++;
		LOG_REFUSAL(gw->stats.commands_rate_limited, "%s is over its command rate limit "
			    "(%llu refused so far)", limit_key(w, peer),
			    (unsigned long long)gw->stats.commands_rate_limited);
		reply->msg.code = HANDOFF__V1__REPLY_CODE__REPLY_CODE_RATE_LIMITED;
		reply->msg.message = "too many requests from this identity: try again in a moment";
		return false;
	}
	if (kind >= 0 && (why = hf_access_request(w->role, kind))) {
		gw->stats.forbidden++;
		LOG_REFUSAL(gw->stats.forbidden, "refused %s (%s): %s (%llu so far)", w->name,
			    hf_client_role_name(w->role), why, (unsigned long long)gw->stats.forbidden);
		reply->msg.code = HANDOFF__V1__REPLY_CODE__REPLY_CODE_FORBIDDEN;
		reply->msg.message = (char *)why;
		return false;
	}
	if (w->key && req->actor && req->actor[0] && strcmp(req->actor, w->name) != 0) {
		gw->stats.actor_ignored++;
		LOG_REFUSAL(gw->stats.actor_ignored, "%s claimed to act as \"%s\": recorded as "
			    "the key's identity (%llu such claims)", w->name, req->actor,
			    (unsigned long long)gw->stats.actor_ignored);
	}
	return true;
}

struct stats_scratch {
	Handoff__V1__Stats stats;
	Handoff__V1__Counter counters[32];
	Handoff__V1__Counter *ptrs[32];
};

static void answer_stats(struct hf_gateway *gw, struct hf_bus_reply *reply)
{
	struct stats_scratch *s = calloc(1, sizeof *s);
	uint64_t ingest_refused_total = gw->stats.ingest_refused + gw->stats.ingest_rate_limited +
					gw->stats.ingest_too_large;
	const struct { const char *name; uint64_t value; } rows[] = {
		{ "events", gw->stats.events },
		{ "units_tracked", gw->engine.reg.n },
		{ "published", gw->bus.stats.published },
		{ "unit_publications_conflated", gw->stats.unit_publications },
		{ "units_waiting_publication", gw->publish_dirty.n },
		{ "requests", gw->bus.stats.requests },
		{ "bad_requests", gw->bus.stats.bad_requests },
		{ "commands_too_large", gw->bus.stats.oversized },
		{ "commands_forbidden", gw->stats.forbidden },
		{ "commands_rate_limited", gw->stats.commands_rate_limited },
		{ "keys_revoked", gw->stats.revoked },
		{ "actor_claims_ignored", gw->stats.actor_ignored },
		{ "zap_accepted", gw->zap.stats.accepted },
		{ "zap_refused_unknown_key", gw->zap.stats.refused_unknown },
		{ "zap_refused_role", gw->zap.stats.refused_role },
		{ "zap_refused_other", gw->zap.stats.refused_other },
		{ "handshake_failed", gw->bus.stats.handshake_failed +
					      gw->adapter_counters.handshake_failed },
		{ "positions_shed", gw->adapter_counters.positions_shed },
		{ "ingest_too_large", gw->stats.ingest_too_large },
		{ "ingest_rate_limited", gw->stats.ingest_rate_limited },
		{ "ingest_refused", gw->stats.ingest_refused },
		{ "ingest_refused_total", ingest_refused_total },
		{ "ingest_emergencies_over_limit", gw->stats.ingest_emergency_over_limit },
		{ "reloads", gw->stats.reloads },
		{ "reload_errors", gw->stats.reload_errors },
	};

	if (!s) {
		reply->msg.code = HANDOFF__V1__REPLY_CODE__REPLY_CODE_INTERNAL;
		reply->msg.message = "out of memory";
		return;
	}
	handoff__v1__stats__init(&s->stats);
	for (size_t i = 0; i < HF_ARRAY_SIZE(rows) && i < HF_ARRAY_SIZE(s->counters); i++) {
		handoff__v1__counter__init(&s->counters[i]);
		s->counters[i].name = (char *)rows[i].name;
		s->counters[i].value = rows[i].value;
		s->ptrs[i] = &s->counters[i];
		s->stats.n_counters++;
	}
	s->stats.counters = s->ptrs;
	reply->msg.code = HANDOFF__V1__REPLY_CODE__REPLY_CODE_OK;
	reply->msg.stats = &s->stats;
	reply->cleanup = free_scratch;
	reply->arg = s;
}

static void on_request(void *ctx, const Handoff__V1__Request *req, const struct hf_peer *peer,
		       struct hf_bus_reply *reply)
{
	struct hf_gateway *gw = ctx;
	struct hf_now now = hf_clock_now(gw->clock);
	struct hf_command_result res;
	struct hf_command cmd;
	const Handoff__V1__Command *c;
	struct hf_wire_incident *w;
	struct who who;

	if (!admit_request(gw, req, peer, &now, &who, reply))
		return;
	if (req->body_case == HANDOFF__V1__REQUEST__BODY_SNAPSHOT) {
		answer_snapshot(gw, req->snapshot, reply, &now);
		return;
	}
	if (req->body_case == HANDOFF__V1__REQUEST__BODY_STATS) {
		answer_stats(gw, reply);
		return;
	}
	if (req->body_case != HANDOFF__V1__REQUEST__BODY_COMMAND) {
		reply->msg.code = HANDOFF__V1__REPLY_CODE__REPLY_CODE_BAD_REQUEST;
		reply->msg.message = "the request has no command, snapshot or stats in it";
		return;
	}
	c = req->command;
	cmd = (struct hf_command){
		.kind = (enum hf_command_kind)c->kind,
		.incident_id = c->incident_id,
		.callsign = c->callsign,
		.note = c->note,
		.actor = who.name,
		.idempotency_key = req->idempotency_key,
		.own_unit = who.key && who.role == HF_CLIENT_CONSTABLE ? who.key->unit : NULL,
	};
	hf_engine_command(&gw->engine, &cmd, &now, &res);
	rearm(gw, &now);
	if (gw->journal && !res.replayed)
		hf_journal_command(gw->journal, req->idempotency_key, now.unix_ms, cmd.actor,
				   (int)cmd.kind, c->incident_id, (int)res.code, res.message,
				   res.incident ? res.incident->number : 0);
	w = calloc(1, sizeof *w + 2 * sizeof res.message);
	if (!w) {
		reply->msg.code = HANDOFF__V1__REPLY_CODE__REPLY_CODE_INTERNAL;
		reply->msg.message = "out of memory";
		return;
	}
	/* The message text lives just after the scratch, freed with it. */
	char *msg = (char *)(w + 1);

	memcpy(msg, res.message, sizeof res.message);
	/* A change is reported done once it is on disk: the reply waits for the
	 * journal's fdatasync. While the journal cannot write, it says so. */
	if (gw->journal && res.code == HF_REPLY_OK && !res.replayed) {
		const char *why;

		if (hf_journal_failing(gw->journal, &why)) {
			snprintf(msg + strlen(msg), sizeof res.message,
				 " (NOT YET DURABLE: the journal cannot write: %s)", why);
		} else {
			reply->defer = true;
			reply->defer_tag = gw;
		}
	}
	reply->msg.code = (Handoff__V1__ReplyCode)res.code;
	reply->msg.message = msg;
	if (res.incident) {
		hf_wire_incident(w, &gw->engine, res.incident, &now);
		reply->msg.incident = &w->msg;
	}
	reply->cleanup = free_scratch;
	reply->arg = w;
}

struct ack_wait {
	struct hf_gateway *gw;
	struct hf_bus_pending *pending;
};

static void on_ack_durable(void *arg, int status)
{
	struct ack_wait *w = arg;
	struct hf_gateway *gw = w->gw;

	gw->pending_acks--;
	if (gw->stopping) {
		hf_bus_pending_free(w->pending);
	} else {
		if (status)
			hf_err("a command reply is sent though the journal could not confirm it "
			       "on disk: %s", strerror(-status));
		hf_bus_send_pending(&gw->bus, w->pending);
	}
	free(w);
}

static void on_deferred(void *ctx, struct hf_bus_pending *pending, void *tag)
{
	struct hf_gateway *gw = ctx;
	struct ack_wait *w = calloc(1, sizeof *w);

	if (!w || !gw->journal) {
		free(w);
		hf_bus_send_pending(&gw->bus, pending);
		return;
	}
	w->gw = gw;
	w->pending = pending;
	gw->pending_acks++;
	hf_journal_sync(gw->journal, on_ack_durable, w);
}

/* The journal started or stopped failing: dispatchers are told. */
static void on_journal_status(void *ctx, bool failing, const char *why)
{
	struct hf_gateway *gw = ctx;
	struct hf_now now = hf_clock_now(gw->clock);
	char text[300];

	snprintf(text, sizeof text, failing
		 ? "the journal cannot write (%s): alerts are still published; changes are kept "
		   "in memory until it can, and are lost if the gateway stops meanwhile"
		 : "the journal is writing again%s; nothing was lost", why);
	publish_notice(gw, &gw->engine, &(struct hf_notice){ .kind = failing ? "journal_failing"
		       : "journal_ok", .severity = failing ? HF_SEV_HIGH : HF_SEV_INFO,
		       .unit = HF_UNIT_NONE, .area = "", .text = text }, &now);
}

static void on_heartbeat(void *ctx, Handoff__V1__Heartbeat *hb)
{
	struct hf_gateway *gw = ctx;

	reserve_seq(gw);
	hb->restarted_after_seq = gw->restarted_after;
	hb->journal_failing = gw->journal && hf_journal_failing(gw->journal, NULL);

	hb->open_incidents = (uint32_t)hf_incidents_open_count(&gw->engine.incidents);
	hb->units = gw->engine.reg.n;
	for (size_t i = 0; i < gw->n_adapters; i++) {
		if (gw->adapters[i]->up)
			hb->links_up++;
		else
			hb->links_down++;
	}
}

/* ---------------------------------------------------------------- signals */

static void on_stop_signal(uv_signal_t *h, int signum)
{
	struct hf_gateway *gw = h->data;

	hf_notice("%s: stopping", strsignal(signum));
	hf_notify_stopping();
	hf_gateway_stop(gw);
}

/* systemd hears RELOADING=1, then READY=1 whether the reload applied or was
 * refused (the running config is kept either way). */
static void on_hup(uv_signal_t *h, int signum)
{
	hf_notify_reloading();
	hf_gateway_reload(h->data);
	hf_notify_ready();
}

static void on_part_closed(uv_handle_t *h)
{
	struct hf_gateway *gw = h->data;

	gw->closing--;
}

static void on_zap_closed(struct hf_zap *zap)
{
	struct hf_gateway *gw = (struct hf_gateway *)((char *)zap - offsetof(struct hf_gateway, zap));

	gw->closing--;
}

static void on_bus_closed(struct hf_bus *b)
{
	struct hf_gateway *gw = b->handlers.ctx;

	gw->closing--;
}

/* ---------------------------------------------------------------- journal */

static void recover_incident(void *ctx, const void *state, size_t len, bool open)
{
	struct hf_gateway *gw = ctx;
	struct hf_now now = hf_clock_now(gw->clock);
	Handoff__V1__Incident *m = handoff__v1__incident__unpack(NULL, len, state);
	int rc = m ? hf_wire_restore_incident(&gw->engine, m, &now) : -EINVAL;

	if (rc)
		hf_err("journal: an incident%s%s could not be recovered: %s", m ? " " : "",
		       m ? m->id : "", m ? strerror(-rc) : "undecodable");
	else
		gw->stats.recovered++;
	if (m)
		handoff__v1__incident__free_unpacked(m, NULL);
}

static void recover_unit(void *ctx, const void *state, size_t len)
{
	struct hf_gateway *gw = ctx;
	struct hf_now now = hf_clock_now(gw->clock);
	Handoff__V1__UnitState *m = handoff__v1__unit_state__unpack(NULL, len, state);

	if (!m || hf_wire_restore_unit(&gw->engine, m, &now) != 0)
		hf_warn("journal: a unit's last state could not be recovered");
	if (m)
		handoff__v1__unit_state__free_unpacked(m, NULL);
}

static void recover_command(void *ctx, const char *key, int code, const char *message,
			    uint32_t incident)
{
	struct hf_gateway *gw = ctx;

	hf_engine_remember(&gw->engine, key, code, message, incident);
}

/* Moves closed incidents older than gateway.retain_days to archive.db, in
 * batches of 1,000 (rounds: at most `rounds` batches now). */
static void archive_old(struct hf_gateway *gw, int rounds)
{
	struct hf_now now = hf_clock_now(gw->clock);
	int64_t before;

	if (!gw->journal || gw->cfg->gateway.retain_days <= 0)
		return;
	before = now.unix_ms - (int64_t)(gw->cfg->gateway.retain_days * 86400000.0);
	while (rounds-- > 0 && hf_journal_archive(gw->journal, before, 1000) == 1000)
		;
}

static void on_retention(uv_timer_t *t)
{
	archive_old(t->data, 10);
}

/* Opens the journal in the state directory and brings back what it holds:
 * incidents (with their deadlines), units, command replies, epoch and seq.
 * A journal that cannot be opened (corrupt, newer schema, unwritable) stops
 * the start with the reason. */
static int open_journal(struct hf_gateway *gw, const struct hf_config *cfg)
{
	struct hf_journal_status_cb cb = { .status = on_journal_status, .ctx = gw };
	struct hf_journal_recovery sink = {
		.incident = recover_incident,
		.unit = recover_unit,
		.command = recover_command,
		.ctx = gw,
	};
	struct hf_now t0 = hf_clock_now(gw->clock), now;
	uint64_t epoch, reserved;
	char err[400] = "";
	int rc;

	rc = hf_journal_open(cfg->gateway.state_dir, cfg->gateway.id, gw->loop, &cb, &gw->journal,
			     err, sizeof err);
	if (rc) {
		hf_err("%s", err);
		return rc;
	}
	archive_old(gw, 1000); /* what is archived is not loaded */
	uv_timer_start(&gw->units_flush, on_units_flush, UNITS_TICK_MS, UNITS_TICK_MS);
	start_units_publish(gw);
	uv_timer_start(&gw->retention, on_retention, 3600 * 1000, 3600 * 1000);
	rc = hf_journal_recover(gw->journal, &sink, &epoch, &reserved);
	if (rc) {
		hf_err("journal %s/%s: cannot read it back", cfg->gateway.state_dir,
		       HF_JOURNAL_FILE);
		return rc;
	}
	if (epoch) {
		gw->bus.epoch = epoch;
		gw->bus.seq = reserved;
		gw->restarted_after = reserved;
	} else {
		hf_journal_set_meta(gw->journal, "epoch", gw->bus.epoch);
	}
	gw->seq_reserved = 0;
	reserve_seq(gw);
	now = hf_clock_now(gw->clock);
	hf_notice("journal %s/%s: %llu incident(s) recovered (%zu open), %u unit(s), in %lld ms",
		  cfg->gateway.state_dir, HF_JOURNAL_FILE, (unsigned long long)gw->stats.recovered,
		  hf_incidents_open_count(&gw->engine.incidents), (unsigned)gw->engine.reg.n,
		  (long long)((now.mono_ns - t0.mono_ns) / HF_NS_PER_MS));
	if (gw->restarted_after) {
		/* The first message after a restart explains the gap in seq. */
		Handoff__V1__Publication p;
		Handoff__V1__Heartbeat hb;

		handoff__v1__publication__init(&p);
		handoff__v1__heartbeat__init(&hb);
		on_heartbeat(gw, &hb);
		p.body_case = HANDOFF__V1__PUBLICATION__BODY_HEARTBEAT;
		p.heartbeat = &hb;
		hf_bus_publish(&gw->bus, "hb", &p);
	}
	rearm(gw, &now); /* deadlines that passed while down fire at once */
	return 0;
}

static void on_journal_closed(void *arg)
{
	struct hf_gateway *gw = arg;

	gw->closing--;
}

/* ---------------------------------------------------------------- life */

/* Says at every start how clients are checked; loudly when they are not. */
static void announce_security(const struct hf_config *cfg)
{
	const char *eps[3] = { cfg->endpoints.publish, cfg->endpoints.command,
			       cfg->endpoints.ingest };
	size_t roles[HF_CLIENT_LOCAL + 1] = { 0 };

	if (cfg->security.server_secret[0]) {
		for (size_t i = 0; i < cfg->security.n_clients; i++)
			roles[cfg->security.clients[i].role]++;
		hf_notice("CURVE on every endpoint: %zu client keys from %s (%zu dispatcher, %zu "
			  "supervisor, %zu constable, %zu cad, %zu adapter, %zu admin)",
			  cfg->security.n_clients, cfg->security.clients_path,
			  roles[HF_CLIENT_DISPATCHER], roles[HF_CLIENT_SUPERVISOR],
			  roles[HF_CLIENT_CONSTABLE], roles[HF_CLIENT_CAD],
			  roles[HF_CLIENT_ADAPTER], roles[HF_CLIENT_ADMIN]);
		return;
	}
	for (size_t i = 0; i < HF_ARRAY_SIZE(eps); i++) {
		if (eps[i][0] && !hf_endpoint_is_local(eps[i]))
			hf_warn("INSECURE: %s is reachable from the network WITHOUT CURVE keys "
				"(security.insecure: true): anyone who can reach it can read "
				"officers' positions and alerts and send commands", eps[i]);
	}
	hf_notice("no CURVE keys: clients are not authenticated (endpoints are loopback%s)",
		  cfg->security.insecure ? " or allowed by security.insecure" : " only");
}

int hf_gateway_init(struct hf_gateway *gw, uv_loop_t *loop, void *zmq_ctx,
		    const struct hf_clock *clock, struct hf_config *cfg)
{
	struct hf_engine_output out = {
		.incident = publish_incident,
		.unit = publish_unit,
		.sds = send_sds,
		.notice = publish_notice,
		.ctx = gw,
	};
	struct hf_bus_handlers handlers = {
		.request = on_request,
		.heartbeat = on_heartbeat,
		.deferred = on_deferred,
		.ctx = gw,
	};
	int rc;

	memset(gw, 0, sizeof *gw);
	gw->loop = loop;
	gw->cfg = cfg;
	gw->clock = clock;
	gw->zmq_ctx = zmq_ctx;
	gw->host = (struct hf_adapter_host){
		.loop = loop,
		.zmq_ctx = zmq_ctx,
		.clock = clock,
		.event = on_adapter_event,
		.link = on_adapter_link,
		.admit = on_adapter_admit,
		.ctx = gw,
		.counters = &gw->adapter_counters,
	};
	struct hf_bus_security sec = {
		.server_secret = cfg->security.server_secret,
		.max_request = cfg->security.limits.max_command_bytes,
	};
	rc = hf_engine_init(&gw->engine, cfg, &out);
	if (rc)
		return rc;
	uv_signal_init(loop, &gw->sigterm);
	uv_signal_init(loop, &gw->sigint);
	uv_signal_init(loop, &gw->sighup);
	gw->sigterm.data = gw->sigint.data = gw->sighup.data = gw;
	uv_signal_start(&gw->sigterm, on_stop_signal, SIGTERM);
	uv_signal_start(&gw->sigint, on_stop_signal, SIGINT);
	uv_signal_start(&gw->sighup, on_hup, SIGHUP);
	uv_timer_init(loop, &gw->deadline);
	gw->deadline.data = gw;
	uv_timer_init(loop, &gw->retention);
	gw->retention.data = gw;
	uv_timer_init(loop, &gw->units_flush);
	gw->units_flush.data = gw;
	uv_timer_init(loop, &gw->units_publish);
	gw->units_publish.data = gw;
	gw->deadline_armed = INT64_MAX;
	hf_limiter_init(&gw->cmd_limits);
	hf_limiter_init(&gw->ingest_limits);

	/* The ZAP handler first: libzmq lets every key in while none is bound. */
	gw->curve = cfg->security.server_secret[0] != '\0';
	if (gw->curve) {
		rc = hf_zap_init(&gw->zap, loop, zmq_ctx, cfg);
		if (rc)
			return rc;
		gw->zap.z.data = &gw->zap;
	}
	announce_security(cfg);
	rc = hf_bus_init(&gw->bus, loop, zmq_ctx, clock, cfg->endpoints.publish,
			 cfg->endpoints.command, cfg->gateway.id, cfg->gateway.heartbeat_ms,
			 &handlers, &sec);
	if (rc)
		return rc;
	rc = open_journal(gw, cfg);
	if (rc)
		return rc;
	hf_notice("publishing on %s, commands on %s (epoch %016llx, seq from %llu)",
		  cfg->endpoints.publish, cfg->endpoints.command,
		  (unsigned long long)gw->bus.epoch, (unsigned long long)gw->bus.seq + 1);
	return sync_adapters(gw, cfg);
}

void hf_gateway_stop(struct hf_gateway *gw)
{
	if (gw->stopping)
		return;
	gw->stopping = true;
	for (size_t i = 0; i < gw->n_adapters; i++)
		stop_adapter(gw, gw->adapters[i]);
	gw->n_adapters = 0;
	if (gw->journal) {
		struct hf_journal *j = gw->journal;

		while (gw->journal_dirty.n && flush_units(gw, 20000))
			;
		gw->journal = NULL; /* nothing more is written from here on */
		gw->closing++;
		hf_journal_close(j, on_journal_closed, gw);
	}
	if (gw->bus.pub.sock) {
		gw->closing++;
		hf_bus_close(&gw->bus, on_bus_closed);
	}
	/* Closed with the sockets it guards, in the same loop turn. */
	if (gw->curve && gw->zap.z.sock) {
		gw->closing++;
		hf_zap_close(&gw->zap, on_zap_closed);
	}
	uv_handle_t *parts[] = { (uv_handle_t *)&gw->sigterm, (uv_handle_t *)&gw->sigint,
				 (uv_handle_t *)&gw->sighup, (uv_handle_t *)&gw->deadline,
				 (uv_handle_t *)&gw->retention, (uv_handle_t *)&gw->units_flush,
				 (uv_handle_t *)&gw->units_publish };

	for (size_t i = 0; i < HF_ARRAY_SIZE(parts); i++) {
		if (parts[i]->data && !uv_is_closing(parts[i])) {
			gw->closing++;
			uv_close(parts[i], on_part_closed);
		}
	}
}

void hf_gateway_finish(struct hf_gateway *gw)
{
	hf_dirtyset_finish(&gw->journal_dirty);
	hf_dirtyset_finish(&gw->publish_dirty);
	hf_engine_finish(&gw->engine);
	free(gw->adapters);
	gw->adapters = NULL;
	hf_limiter_finish(&gw->cmd_limits);
	hf_limiter_finish(&gw->ingest_limits);
	hf_config_destroy(gw->cfg);
	gw->cfg = NULL;
}

int hf_gateway_reload(struct hf_gateway *gw)
{
	struct hf_config *next = NULL;
	struct hf_diag diag;
	int rc;

	hf_diag_init(&diag);
	rc = hf_config_load(gw->cfg->path, hf_adapter_type_names(), &next, &diag);
	if (rc) {
		gw->stats.reload_errors++;
		hf_err("reload of %s refused, the running config is kept (%zu problem%s):",
		       gw->cfg->path, diag.n, diag.n == 1 ? "" : "s");
		for (size_t i = 0; i < diag.n; i++)
			hf_err("%s:%d:%d: %s", hf_diag_file(&diag, i), diag.entries[i].line,
			       diag.entries[i].col, diag.entries[i].msg);
		hf_diag_finish(&diag);
		return rc;
	}
	hf_diag_finish(&diag);
	if (strcmp(next->security.server_secret, gw->cfg->security.server_secret) != 0) {
		gw->stats.reload_errors++;
		hf_err("reload of %s refused, the running config is kept: %s needs a restart",
		       gw->cfg->path, !gw->curve ? "turning CURVE on (security.server_cert)"
				      : !next->security.server_secret[0] ? "turning CURVE off"
									  : "a new server key");
		hf_config_destroy(next);
		return -EINVAL;
	}
	if (strcmp(next->endpoints.publish, gw->cfg->endpoints.publish) ||
	    strcmp(next->endpoints.command, gw->cfg->endpoints.command))
		hf_warn("reload: publish/command endpoint changes take effect at restart");
	if (strcmp(next->gateway.id, gw->cfg->gateway.id))
		hf_warn("reload: gateway.id changes take effect at restart");
	if (strcmp(next->gateway.state_dir, gw->cfg->gateway.state_dir))
		hf_warn("reload: gateway.state_dir changes take effect at restart (the journal "
			"stays in %s)", gw->cfg->gateway.state_dir);
	rc = hf_engine_reconfigure(&gw->engine, next);
	if (rc) {
		/* Back to the running config's rules; the registry copies
		 * what it keeps, so nothing points into `next`. */
		hf_engine_reconfigure(&gw->engine, gw->cfg);
		hf_config_destroy(next);
		gw->stats.reload_errors++;
		hf_err("reload failed applying the roster (%s); running config kept",
		       strerror(-rc));
		return rc;
	}
	hf_log_set_level(next->gateway.log_level);
	sync_adapters(gw, next);
	hf_config_destroy(gw->cfg);
	gw->cfg = next;
	start_units_publish(gw);
	if (gw->curve)
		hf_zap_set_config(&gw->zap, next);
	gw->stats.reloads++;
	hf_notice("reloaded %s: %zu units on the roster, %zu areas, %zu adapters%s", next->path,
		  next->n_roster, next->n_areas, gw->n_adapters,
		  gw->curve ? ", keys file re-read" : "");
	return 0;
}
