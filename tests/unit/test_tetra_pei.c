/*
 * test_tetra_pei.c - the tetra-pei adapter (adapters/tetra_pei.c) on a real
 * libuv loop against a radio played in the same loop over real TCP: the
 * command queue (one command in flight, each after its answer), errors and
 * timeouts during initialisation, liveness, and outgoing SDS (AT+CMGS).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "adapter.h"
#include "pei_tx.h"

extern const struct hf_adapter_ops hf_adapter_tetra_pei;

#define CMDS_MAX 64
#define RX_MAX 16384

/* The radio: a TCP server in the test's loop that records each command and
 * answers as told. */
struct radio {
	uv_tcp_t server;
	uv_tcp_t conn;
	bool conn_open;
	int accepted;
	char rx[RX_MAX];
	size_t rx_len, parsed;
	char cmds[CMDS_MAX][HF_PEI_CMD_MAX];
	size_t n_cmds;
	bool answer;             /* answer every command (else stay silent) */
	const char *error_on;    /* answer this command with +CME ERROR: 35 */
};

/* What the adapter reported to its host. */
struct host_rec {
	int ups, downs;
	char reason[128];
	int events;
};

static uv_loop_t loop;
static struct radio radio;
static struct host_rec rec;
static struct hf_adapter_host host;
static struct hf_adapter adapter;
static bool stopped;
static uv_timer_t tick;

static void host_event(struct hf_adapter *a, const struct hf_radio_event *ev)
{
	rec.events++;
}

static void host_link(struct hf_adapter *a, bool up, const char *reason, uint32_t attempt)
{
	if (up) {
		rec.ups++;
	} else {
		rec.downs++;
		snprintf(rec.reason, sizeof rec.reason, "%s", reason);
	}
}

static void radio_write_cb(uv_write_t *req, int status)
{
	free(req);
}

/* Sends text to the adapter (copied). */
static void radio_send(const char *text)
{
	size_t n = strlen(text);
	uv_write_t *req = malloc(sizeof *req + n);
	char *copy = (char *)(req + 1);
	uv_buf_t buf;

	cr_assert_not_null(req);
	cr_assert(radio.conn_open, "no connection to send on");
	memcpy(copy, text, n);
	buf = uv_buf_init(copy, (unsigned)n);
	cr_assert_eq(uv_write(req, (uv_stream_t *)&radio.conn, &buf, 1, radio_write_cb), 0);
}

/* Answers one command as the radio is told to. */
static void radio_answer(const char *cmd)
{
	char text[64];

	if (radio.error_on && strcmp(cmd, radio.error_on) == 0) {
		radio_send("\r\n+CME ERROR: 35\r\n");
	} else if (strncmp(cmd, "AT+CMGS=", 8) == 0) {
		snprintf(text, sizeof text, "\r\n+CMGS: 0,4,%zu\r\n\r\nOK\r\n", radio.n_cmds);
		radio_send(text);
	} else {
		radio_send("\r\nOK\r\n");
	}
}

/* Splits what arrived into commands: "...\r\n", or AT+CMGS up to Ctrl-Z
 * (recorded without the terminator). */
static void radio_parse(void)
{
	for (;;) {
		char *start = radio.rx + radio.parsed;
		size_t left = radio.rx_len - radio.parsed, len;
		bool cmgs = left >= 8 && strncmp(start, "AT+CMGS=", 8) == 0;
		char *end = memchr(start, cmgs ? 0x1a : '\n', left);

		if (!end)
			return;
		len = (size_t)(end - start);
		if (!cmgs && len > 0 && start[len - 1] == '\r')
			len--;
		cr_assert_lt(radio.n_cmds, CMDS_MAX);
		cr_assert_lt(len, HF_PEI_CMD_MAX);
		memcpy(radio.cmds[radio.n_cmds], start, len);
		radio.cmds[radio.n_cmds][len] = '\0';
		radio.n_cmds++;
		radio.parsed += (size_t)(end - start) + 1;
		if (radio.answer)
			radio_answer(radio.cmds[radio.n_cmds - 1]);
	}
}

static void radio_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	buf->base = radio.rx + radio.rx_len;
	buf->len = RX_MAX - radio.rx_len;
}

static void radio_closed(uv_handle_t *h)
{
	radio.conn_open = false;
}

/* Drops the connection to the adapter, as a radio that died would. */
static void radio_hang_up(void)
{
	if (radio.conn_open && !uv_is_closing((uv_handle_t *)&radio.conn))
		uv_close((uv_handle_t *)&radio.conn, radio_closed);
}

static void radio_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	if (n > 0) {
		radio.rx_len += (size_t)n;
		radio_parse();
	} else if (n < 0) {
		radio_hang_up();
	}
}

static void radio_accept(uv_stream_t *server, int status)
{
	cr_assert_eq(status, 0);
	if (radio.conn_open)
		return; /* one connection at a time; the old one is closing */
	uv_tcp_init(&loop, &radio.conn);
	cr_assert_eq(uv_accept(server, (uv_stream_t *)&radio.conn), 0);
	radio.conn_open = true;
	radio.accepted++;
	radio.rx_len = radio.parsed = 0;
	uv_read_start((uv_stream_t *)&radio.conn, radio_alloc, radio_read);
}

static void on_tick(uv_timer_t *t)
{
}

/* Starts the radio and the adapter (not yet connected: the loop has not
 * run). */
static void setup(uint32_t liveness_ms, uint32_t timeout_ms)
{
	struct sockaddr_in addr;
	struct sockaddr_storage got;
	int len = sizeof got;

	memset(&radio, 0, sizeof radio);
	memset(&rec, 0, sizeof rec);
	memset(&adapter, 0, sizeof adapter);
	stopped = false;
	cr_assert_eq(uv_loop_init(&loop), 0);
	uv_timer_init(&loop, &tick);
	uv_timer_start(&tick, on_tick, 5, 5);
	uv_tcp_init(&loop, &radio.server);
	uv_ip4_addr("127.0.0.1", 0, &addr);
	cr_assert_eq(uv_tcp_bind(&radio.server, (const struct sockaddr *)&addr, 0), 0);
	cr_assert_eq(uv_listen((uv_stream_t *)&radio.server, 4, radio_accept), 0);
	uv_tcp_getsockname(&radio.server, (struct sockaddr *)&got, &len);

	host = (struct hf_adapter_host){ .loop = &loop, .event = host_event, .link = host_link };
	adapter.ops = &hf_adapter_tetra_pei;
	adapter.host = &host;
	snprintf(adapter.cfg.name, sizeof adapter.cfg.name, "pei-t");
	snprintf(adapter.cfg.type, sizeof adapter.cfg.type, "tetra-pei");
	snprintf(adapter.cfg.connect, sizeof adapter.cfg.connect, "127.0.0.1:%u",
		 (unsigned)ntohs(((struct sockaddr_in *)&got)->sin_port));
	adapter.cfg.reconnect_min_ms = 20;
	adapter.cfg.reconnect_max_ms = 40;
	adapter.cfg.liveness_ms = liveness_ms;
	adapter.cfg.command_timeout_ms = timeout_ms;
	adapter.cfg.baud = 9600;
	cr_assert_eq(adapter.ops->start(&adapter), 0);
}

static void on_stopped(struct hf_adapter *a)
{
	stopped = true;
}

static void close_cb(uv_handle_t *h)
{
}

/* Stops the adapter, closes every handle and checks none is left. */
static void teardown(void)
{
	adapter.ops->stop(&adapter, on_stopped);
	radio_hang_up();
	uv_close((uv_handle_t *)&radio.server, close_cb);
	uv_close((uv_handle_t *)&tick, close_cb);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert(stopped, "done was not called");
	cr_assert_null(adapter.priv);
	cr_assert_eq(uv_loop_close(&loop), 0, "a handle was left open");
}

/* Runs the loop until pred() or timeout_ms; returns pred(). */
static bool run_until(bool (*pred)(void), uint64_t timeout_ms)
{
	uint64_t end = uv_now(&loop) + timeout_ms;

	while (!pred() && uv_now(&loop) < end)
		uv_run(&loop, UV_RUN_ONCE);
	return pred();
}

static void run_for(uint64_t ms)
{
	uint64_t end = uv_now(&loop) + ms;

	while (uv_now(&loop) < end)
		uv_run(&loop, UV_RUN_ONCE);
}

static size_t want_cmds;
static bool have_cmds(void)
{
	return radio.n_cmds >= want_cmds;
}

static bool is_up(void)
{
	return rec.ups > 0;
}

static bool is_down(void)
{
	return rec.downs > 0;
}

static bool wait_cmds(size_t n, uint64_t timeout_ms)
{
	want_cmds = n;
	return run_until(have_cmds, timeout_ms);
}

static const char *const init_cmds[] = {
	"AT+CTSP=1,2,20", "AT+CTSP=1,3,10", "AT+CTSP=1,3,130", "AT+CTSDS=12,0",
};

Test(tetra_pei, initialisation_sends_one_command_at_a_time_each_after_its_answer)
{
	/* With a radio that has not answered, only the first registration is
	 * sent; each OK releases the next, in order: status, LIP, text, then
	 * the SDS type for AT+CMGS. */
	setup(0, 5000);
	cr_assert(run_until(is_up, 2000), "no link up");
	cr_assert(wait_cmds(1, 2000));
	run_for(100);
	cr_assert_eq(radio.n_cmds, 1, "a second command went out before the first was answered");
	cr_assert_str_eq(radio.cmds[0], init_cmds[0]);
	for (size_t i = 1; i < HF_ARRAY_SIZE(init_cmds); i++) {
		radio_send("\r\nOK\r\n");
		cr_assert(wait_cmds(i + 1, 2000), "command %zu not sent after OK", i);
		cr_assert_str_eq(radio.cmds[i], init_cmds[i]);
	}
	radio_send("\r\nOK\r\n");
	run_for(100);
	cr_assert_eq(radio.n_cmds, HF_ARRAY_SIZE(init_cmds));
	cr_assert_eq(rec.downs, 0);
	teardown();
}

Test(tetra_pei, an_error_or_a_timeout_in_initialisation_is_logged_and_it_goes_on)
{
	/* The LIP registration is refused (+CME ERROR) and later commands go
	 * out anyway; with a silent radio each command times out and the next
	 * follows; neither takes the link down. */
	setup(0, 100);
	radio.answer = true;
	radio.error_on = "AT+CTSP=1,3,10";
	cr_assert(wait_cmds(HF_ARRAY_SIZE(init_cmds), 2000));
	for (size_t i = 0; i < HF_ARRAY_SIZE(init_cmds); i++)
		cr_assert_str_eq(radio.cmds[i], init_cmds[i]);
	teardown();

	setup(0, 100);
	cr_assert(wait_cmds(HF_ARRAY_SIZE(init_cmds), 2000), "timeouts stopped the queue");
	cr_assert_eq(rec.downs, 0);
	cr_assert_eq(rec.ups, 1);
	teardown();
}

static bool init_done(void)
{
	return radio.n_cmds >= HF_ARRAY_SIZE(init_cmds);
}

Test(tetra_pei, a_text_sds_goes_out_as_cmgs_with_an_incrementing_reference)
{
	/* send_sds queues AT+CMGS=<ISSI>,<bits><CR><hex><Ctrl-Z>: an SDS-TL
	 * transfer with message reference 0, then 1, sent after the
	 * initialisation and each after the previous one's answer. */
	setup(0, 5000);
	radio.answer = true;
	cr_assert(run_until(init_done, 2000));
	cr_assert_eq(adapter.ops->send_sds(&adapter, 2001007, "OK"), 0);
	cr_assert_eq(adapter.ops->send_sds(&adapter, 2002001, "Caf\xc3\xa9"), 0);
	cr_assert(wait_cmds(HF_ARRAY_SIZE(init_cmds) + 2, 2000));
	cr_assert_str_eq(radio.cmds[4], "AT+CMGS=2001007,48\r820000014F4B");
	cr_assert_str_eq(radio.cmds[5], "AT+CMGS=2002001,64\r82000101436166E9");
	teardown();
}

Test(tetra_pei, send_sds_refuses_a_bad_issi_a_down_link_and_a_full_queue)
{
	/* ISSI 0 or above 16777215: -EINVAL; before the link is up: -ENOTCONN;
	 * with a silent radio, the 4 initialisation commands and 12 SDS fill the
	 * 16 places and the next is -ENOBUFS. */
	int rc = 0, queued = 0;

	setup(0, 5000);
	cr_assert_eq(adapter.ops->send_sds(&adapter, 0, "x"), -EINVAL);
	cr_assert_eq(adapter.ops->send_sds(&adapter, 16777216, "x"), -EINVAL);
	cr_assert_eq(adapter.ops->send_sds(&adapter, 2001007, "x"), -ENOTCONN);
	cr_assert(run_until(is_up, 2000));
	while (queued < 100 && (rc = adapter.ops->send_sds(&adapter, 2001007, "x")) == 0)
		queued++;
	cr_assert_eq(rc, -ENOBUFS);
	cr_assert_eq(queued, 12);
	teardown();
}

Test(tetra_pei, silence_and_an_unanswered_at_bring_the_link_down_then_it_reconnects)
{
	/* liveness 150 ms, command timeout 100 ms: the radio answers the
	 * initialisation and then goes quiet; the adapter sends AT, gets
	 * nothing, reports "no answer to AT within 100 ms", and reconnects with
	 * backoff (a second connection and link up). */
	setup(150, 100);
	radio.answer = true;
	cr_assert(run_until(init_done, 2000));
	radio.answer = false;
	cr_assert(run_until(is_down, 2000), "no link down");
	rec.ups = 0;
	cr_assert_str_eq(rec.reason, "no answer to AT within 100 ms");
	cr_assert_str_eq(radio.cmds[HF_ARRAY_SIZE(init_cmds)], "AT");
	radio.answer = true;
	cr_assert(run_until(is_up, 2000), "no reconnection");
	cr_assert_eq(radio.accepted, 2);
	teardown();
}

static bool saw_at(void)
{
	for (size_t i = 0; i < radio.n_cmds; i++)
		if (strcmp(radio.cmds[i], "AT") == 0)
			return true;
	return false;
}

Test(tetra_pei, a_radio_that_answers_at_stays_up_and_traffic_counts_as_life)
{
	/* liveness 100 ms: a radio that answers AT stays up through several
	 * checks; while it keeps sending lines, no AT is sent at all. */
	setup(100, 100);
	radio.answer = true;
	cr_assert(run_until(init_done, 2000));
	cr_assert(run_until(saw_at, 2000), "no AT after silence");
	run_for(400);
	cr_assert_eq(rec.downs, 0);
	teardown();

	setup(100, 100);
	radio.answer = true;
	cr_assert(run_until(init_done, 2000));
	run_for(50);
	radio.n_cmds = 0;
	for (int i = 0; i < 20; i++) {
		radio_send("+CTSDSR: 13,2001001,0,9999,0,16\r\n8000\r\n");
		run_for(30);
	}
	cr_assert_not(saw_at(), "AT sent although the radio was talking");
	cr_assert_eq(rec.events, 20);
	cr_assert_eq(rec.downs, 0);
	teardown();
}
