/*
 * gateway.c - see gateway.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "log.h"
#include "wire.h"

/* ---------------------------------------------------------------- outputs */

static void publish_incident(void *ctx, const struct hf_engine *e,
			     const struct hf_incident *inc, const struct hf_now *now)
{
	struct hf_gateway *gw = ctx;
	struct hf_wire_incident w;
	Handoff__V1__Publication p;
	char topic[128];

	hf_wire_incident(&w, e, inc, now);
	handoff__v1__publication__init(&p);
	p.body_case = HANDOFF__V1__PUBLICATION__BODY_INCIDENT;
	p.incident = &w.msg;
	hf_wire_incident_topic(inc, topic, sizeof topic);
	hf_bus_publish(&gw->bus, topic, &p);
}

static void publish_unit(void *ctx, const struct hf_engine *e, const struct hf_unit *u,
			 const struct hf_now *now)
{
	struct hf_gateway *gw = ctx;
	struct hf_wire_unit w;
	Handoff__V1__Publication p;
	char topic[128];

	hf_wire_unit(&w, e, u);
	handoff__v1__publication__init(&p);
	p.body_case = HANDOFF__V1__PUBLICATION__BODY_UNIT;
	p.unit = &w.msg;
	hf_wire_unit_topic(u, topic, sizeof topic);
	hf_bus_publish(&gw->bus, topic, &p);
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
	hf_bus_publish(&gw->bus, topic, &p);
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
	hf_bus_publish(&gw->bus, topic, &p);
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

static void on_adapter_event(struct hf_adapter *a, const struct hf_radio_event *ev_in)
{
	struct hf_gateway *gw = a->host->ctx;
	struct hf_now now = hf_clock_now(gw->clock);
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
	       a->command_timeout_ms == b->command_timeout_ms;
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

static void on_request(void *ctx, const Handoff__V1__Request *req, struct hf_bus_reply *reply)
{
	struct hf_gateway *gw = ctx;
	struct hf_now now = hf_clock_now(gw->clock);
	struct hf_command_result res;
	struct hf_command cmd;
	const Handoff__V1__Command *c;
	struct hf_wire_incident *w;

	if (req->body_case == HANDOFF__V1__REQUEST__BODY_SNAPSHOT) {
		answer_snapshot(gw, req->snapshot, reply, &now);
		return;
	}
	if (req->body_case != HANDOFF__V1__REQUEST__BODY_COMMAND) {
		reply->msg.code = HANDOFF__V1__REPLY_CODE__REPLY_CODE_BAD_REQUEST;
		reply->msg.message = "the request has neither a command nor a snapshot";
		return;
	}
	c = req->command;
	cmd = (struct hf_command){
		.kind = (enum hf_command_kind)c->kind,
		.incident_id = c->incident_id,
		.callsign = c->callsign,
		.note = c->note,
		.actor = req->actor,
		.idempotency_key = req->idempotency_key,
	};
	hf_engine_command(&gw->engine, &cmd, &now, &res);
	rearm(gw, &now);
	w = calloc(1, sizeof *w + sizeof res.message);
	if (!w) {
		reply->msg.code = HANDOFF__V1__REPLY_CODE__REPLY_CODE_INTERNAL;
		reply->msg.message = "out of memory";
		return;
	}
	/* The message text lives just after the scratch, freed with it. */
	char *msg = (char *)(w + 1);

	memcpy(msg, res.message, sizeof res.message);
	reply->msg.code = (Handoff__V1__ReplyCode)res.code;
	reply->msg.message = msg;
	if (res.incident) {
		hf_wire_incident(w, &gw->engine, res.incident, &now);
		reply->msg.incident = &w->msg;
	}
	reply->cleanup = free_scratch;
	reply->arg = w;
}

static void on_heartbeat(void *ctx, Handoff__V1__Heartbeat *hb)
{
	struct hf_gateway *gw = ctx;

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
	hf_gateway_stop(gw);
}

static void on_hup(uv_signal_t *h, int signum)
{
	hf_gateway_reload(h->data);
}

static void on_part_closed(uv_handle_t *h)
{
	struct hf_gateway *gw = h->data;

	gw->closing--;
}

static void on_bus_closed(struct hf_bus *b)
{
	struct hf_gateway *gw = b->handlers.ctx;

	gw->closing--;
}

/* ---------------------------------------------------------------- life */

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
		.ctx = gw,
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
	gw->deadline_armed = INT64_MAX;

	rc = hf_bus_init(&gw->bus, loop, zmq_ctx, clock, cfg->endpoints.publish,
			 cfg->endpoints.command, cfg->gateway.id, cfg->gateway.heartbeat_ms,
			 &handlers);
	if (rc)
		return rc;
	hf_notice("publishing on %s, commands on %s (epoch %016llx)", cfg->endpoints.publish,
		  cfg->endpoints.command, (unsigned long long)gw->bus.epoch);
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
	if (gw->bus.pub.sock) {
		gw->closing++;
		hf_bus_close(&gw->bus, on_bus_closed);
	}
	uv_handle_t *parts[] = { (uv_handle_t *)&gw->sigterm, (uv_handle_t *)&gw->sigint,
				 (uv_handle_t *)&gw->sighup, (uv_handle_t *)&gw->deadline };

	for (size_t i = 0; i < HF_ARRAY_SIZE(parts); i++) {
		if (parts[i]->data && !uv_is_closing(parts[i])) {
			gw->closing++;
			uv_close(parts[i], on_part_closed);
		}
	}
}

void hf_gateway_finish(struct hf_gateway *gw)
{
	hf_engine_finish(&gw->engine);
	free(gw->adapters);
	gw->adapters = NULL;
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
	if (strcmp(next->endpoints.publish, gw->cfg->endpoints.publish) ||
	    strcmp(next->endpoints.command, gw->cfg->endpoints.command))
		hf_warn("reload: publish/command endpoint changes take effect at restart");
	if (strcmp(next->gateway.id, gw->cfg->gateway.id))
		hf_warn("reload: gateway.id changes take effect at restart");
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
	gw->stats.reloads++;
	hf_notice("reloaded %s: %zu units on the roster, %zu areas, %zu adapters", next->path,
		  next->n_roster, next->n_areas, gw->n_adapters);
	return 0;
}
