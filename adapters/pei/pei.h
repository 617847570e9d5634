/*
 * pei.h - TETRA PEI (ETSI EN 300 392-5) stream parser.
 *
 * Pure: bytes in, normalized radio events and rejection reasons out, through
 * callbacks; no I/O, no globals. The tetra-pei adapter and `handoffctl decode`
 * both feed it, so what decode prints is what the gateway sees.
 *
 * Records handled in this cut:
 *   +CTSDSR: <AI service>,[<calling id>],[<calling id type>],<called id>,
 *            <called id type>,<length in bits>[,<e2e encryption>]
 *   <user data in hex>
 * with AI service 13 (pre-coded status) and 12 (SDS type 4; PI 0x0A LIP short
 * and long reports, PI 0x02/0x09/0x82/0x89 ISO-8859-1 text), and
 *   +CTICN: ... (a single line; call priority 15 is an emergency call).
 * The length in bits is trusted over the number of hex digits (some radios
 * send extra digits). Final result codes (OK, ERROR, +CME ERROR: <n>,
 * +CMS ERROR: <n>) and the +CMGS: information response are reported to the
 * sink's optional `response` callback, so the adapter can run one AT
 * command at a time; they still count as ignored lines. Other lines (echo,
 * other unsolicited results, ordinary calls, SDS-TL reports and acks) are
 * ignored without counting as errors. LIP PDUs that are not location reports (immediate location
 * request, triggers, ...) are rejected with a reason naming them.
 */
#ifndef HF_PEI_H
#define HF_PEI_H

#include <stddef.h>
#include <stdint.h>

#include "radio_event.h"

/* Returned by the decoders for a record that is understood but carries
 * nothing to report (an SDS-TL report or ack, an ordinary call's +CTICN);
 * the stream counts it in stats.ignored. */
#define HF_PEI_IGNORED 1

/* SDS protocol identifiers of text (domain.md section 3). */
#define HF_SDS_PI_TEXT 0x02
#define HF_SDS_PI_IMMEDIATE_TEXT 0x09
#define HF_SDS_PI_TL_TEXT 0x82
#define HF_SDS_PI_TL_IMMEDIATE_TEXT 0x89

#define HF_PEI_LINE_MAX 1024 /* longer lines are dropped (and counted) */
#define HF_PEI_SDS_BITS_MAX 2047 /* SDS type-4 maximum */

/* AI services (EN 300 392-5 +CTSDSR first field). */
enum hf_pei_ai_service {
	HF_PEI_AI_SDS1 = 9,
	HF_PEI_AI_SDS2 = 10,
	HF_PEI_AI_SDS3 = 11,
	HF_PEI_AI_SDS4 = 12,
	HF_PEI_AI_STATUS = 13,
};

/* A parsed +CTSDSR header. */
struct hf_pei_ctsdsr {
	uint8_t ai_service;
	uint32_t calling_ssi;     /* sender's SSI (from a TSI: its last 8 digits); 0 if absent */
	uint8_t calling_type;     /* 0 SSI, 1 TSI, ... (0 if absent) */
	uint32_t called_ssi;
	uint8_t called_type;
	uint16_t length_bits;
};

/*
 * Parses one +CTSDSR header line (without CR/LF). Accepts the full form and the
 * shorter 3- and 4-field forms some implementations send. Returns 0, or -EINVAL
 * with *why set to a static reason.
 */
int hf_pei_parse_ctsdsr(const char *line, size_t len, struct hf_pei_ctsdsr *out,
			const char **why);

/*
 * Decodes the hex user data of a +CTSDSR record into an event (issi, kind and the
 * status or LIP fields; source and times are left for the caller). Extra hex
 * digits beyond length_bits are ignored; too few is an error. Returns 0,
 * HF_PEI_IGNORED (an SDS-TL report or ack; *why says which), or -EINVAL /
 * -ENOTSUP with *why set.
 */
int hf_pei_decode_sds(const struct hf_pei_ctsdsr *hdr, const char *hex, size_t len,
		      struct hf_radio_event *ev, const char **why);

/*
 * Parses one +CTICN line (without CR/LF). Call priority 15: returns 0 with *ev
 * an HF_EVENT_EMERGENCY_CALL (issi of the calling party, has_call_priority).
 * Lower priority or no priority field: HF_PEI_IGNORED. Malformed, or an
 * emergency call without a calling SSI/TSI: -EINVAL. *why is set unless 0 is
 * returned; *ev is written only on 0.
 */
int hf_pei_parse_cticn(const char *line, size_t len, struct hf_radio_event *ev,
		       const char **why);

/* What a command-response line says (hf_pei_parse_response). */
enum hf_pei_response_kind {
	HF_PEI_RESP_OK = 1,   /* OK: the command succeeded */
	HF_PEI_RESP_ERROR,    /* ERROR, +CME ERROR: <n>, +CMS ERROR: <n> */
	HF_PEI_RESP_CMGS,     /* +CMGS: <SDS instance>[,<status>[,<message ref>]]:
			       * information, the final OK follows */
};

/* One command-response line. text borrows the line (blanks trimmed). */
struct hf_pei_response {
	enum hf_pei_response_kind kind;
	int error;            /* +CME/+CMS ERROR number; -1 for a plain ERROR or
			       * a number that does not parse; 0 otherwise */
	const char *text;
	size_t len;
};

/* True if the kind ends a command (OK or an error), false for information. */
static inline bool hf_pei_response_is_final(enum hf_pei_response_kind k)
{
	return k == HF_PEI_RESP_OK || k == HF_PEI_RESP_ERROR;
}

/*
 * Recognises one line (without CR/LF; blanks around it allowed) as a command
 * response: "OK", "ERROR", "+CME ERROR: <n>", "+CMS ERROR: <n>" (tags in any
 * case) or "+CMGS: ...". Returns true and fills *out (its text borrows
 * line), or false for any other line. Pure.
 */
bool hf_pei_parse_response(const char *line, size_t len, struct hf_pei_response *out);

/* Callbacks of a stream. Borrowed pointers are valid only during the call. */
struct hf_pei_sink {
	/* A decoded radio event. */
	void (*event)(void *ctx, const struct hf_radio_event *ev);
	/* A record that was rejected: line number (1-based, of the stream) where it
	 * starts, a static reason, and the offending line (may be truncated). */
	void (*reject)(void *ctx, uint64_t line_no, const char *why, const char *line,
		       size_t len);
	/* Optional (NULL: responses are only counted as ignored lines): a
	 * command response (hf_pei_parse_response), in stream order. */
	void (*response)(void *ctx, const struct hf_pei_response *r);
	void *ctx;
};

/* Counters of a stream, for logs and `handoffctl decode`. */
struct hf_pei_stats {
	uint64_t lines;    /* complete lines seen (including ignored ones) */
	uint64_t events;   /* events delivered */
	uint64_t rejected; /* records rejected (each also reported to sink.reject) */
	uint64_t ignored;  /* lines that are not records (OK, echo, ...) */
	uint64_t responses;/* command responses among them (OK, ERROR, +CMGS, ...) */
	uint64_t overlong; /* lines longer than HF_PEI_LINE_MAX (also counted rejected) */
	uint64_t shed;     /* position reports dropped while `shed` was set */
};

/*
 * The stream state: splits bytes into lines (CR, LF, CRLF and LFCR all end a
 * line; empty lines are skipped), pairs each +CTSDSR header with its data line,
 * and delivers events. Partial lines are kept across feeds. Caller-allocated;
 * no resources: no finish needed.
 */
struct hf_pei_stream {
	struct hf_pei_sink sink;
	struct hf_pei_stats stats;
	char line[HF_PEI_LINE_MAX];
	size_t len;
	bool overflow;   /* current line exceeded HF_PEI_LINE_MAX: dropping to EOL */
	char last_eol;   /* CR or LF that ended the last line, until paired or a byte follows */
	bool have_header;/* a header is waiting for its data line */
	/* Set by the owner while the link is behind: of the LIP short location
	 * reports whose reason is neither an emergency nor radio health (10, 12,
	 * 21), only one in `shed` is decoded; the others are dropped (stats.shed)
	 * after reading just their reason, so the stream catches up. 0 or 1:
	 * nothing is shed. Statuses and everything else are decoded as always. */
	unsigned shed;
	unsigned shed_turn;
	uint64_t header_line_no;
	struct hf_pei_ctsdsr header;
};

void hf_pei_stream_init(struct hf_pei_stream *s, const struct hf_pei_sink *sink);
/* Feeds bytes; calls the sink for each event or rejected record completed. */
void hf_pei_stream_feed(struct hf_pei_stream *s, const void *data, size_t len);
/* Ends the stream (EOF or link drop): a pending header with no data line, or a
 * partial last line, is rejected. The stream can then be fed afresh. */
void hf_pei_stream_end(struct hf_pei_stream *s);

#endif
