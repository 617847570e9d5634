/*
 * pei.c - TETRA PEI (ETSI EN 300 392-5) stream parser: +CTSDSR records in,
 * normalized radio events out.
 *
 * Three layers, each a pure function of its input:
 *  - hf_pei_parse_ctsdsr: one header line -> struct hf_pei_ctsdsr;
 *  - hf_pei_decode_sds: header + hex data line -> struct hf_radio_event
 *    (status directly, LIP through lip.c);
 *  - hf_pei_stream_*: bytes -> lines -> records, with callbacks.
 * No I/O, no globals, no allocation; every reason handed out is a static
 * string.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lip.h"
#include "pei.h"

#define SSI_MAX 16777215u /* 24 bits */
#define SSI_DIGITS 8      /* a TSI ends in its SSI as 8 decimal digits */
#define ID_DIGITS_MAX 24  /* longest identity accepted (a TSI is 15-17 digits) */
#define ID_TYPE_MAX 5     /* 0 SSI .. 5 extended TSI */
#define ID_TYPE_SSI 0
#define ID_TYPE_TSI 1
#define ID_TYPE_ETSI 5
#define ID_TYPE_NONE (-1) /* the header form carries no type: infer it */
#define FIELDS_MAX 7
#define STATUS_BITS 16

/* ------------------------------------------------------------------------- */
/* Small text helpers over (pointer, length)                                 */
/* ------------------------------------------------------------------------- */

struct span {
	const char *p;
	size_t n;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Value of a hex digit, or -1. */
static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The span without leading and trailing blanks (spaces, tabs). */
static struct span trim(const char *p, size_t n)
{
	while (n > 0 && is_blank(p[0])) {
		p++;
		n--;
	}
	while (n > 0 && is_blank(p[n - 1]))
		n--;
	return (struct span){ p, n };
}

/* Parses a non-empty string of decimal digits no greater than max. */
static bool parse_uint(struct span f, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (f.n == 0)
		return false;
	for (size_t i = 0; i < f.n; i++) {
		if (!is_digit(f.p[i]))
			return false;
		v = v * 10 + (unsigned long)(f.p[i] - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

/*
 * If the line is the result code tag ("+CTSDSR", "+CTICN" in any case,
 * optional blanks, then ':'; leading blanks allowed), returns true and the
 * text after the colon in *args.
 */
static bool tag_args(const char *tag, const char *line, size_t len, struct span *args)
{
	size_t tn = strlen(tag);
	struct span s = trim(line, len);
	size_t i;

	if (s.n < tn)
		return false;
	for (i = 0; i < tn; i++) {
		char c = s.p[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != tag[i])
			return false;
	}
	while (i < s.n && is_blank(s.p[i]))
		i++;
	if (i == s.n || s.p[i] != ':')
		return false;
	i++;
	*args = (struct span){ s.p + i, s.n - i };
	return true;
}

static bool ctsdsr_args(const char *line, size_t len, struct span *args)
{
	return tag_args("+CTSDSR", line, len, args);
}

static bool cticn_args(const char *line, size_t len, struct span *args)
{
	return tag_args("+CTICN", line, len, args);
}

/* ------------------------------------------------------------------------- */
/* +CTSDSR header                                                            */
/* ------------------------------------------------------------------------- */

static int fail(const char **why, const char *reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

/* Parses an identity type field: empty gives def, else a number 0..5. */
static int parse_id_type(struct span f, int def, int *type, const char **why)
{
	unsigned long v;

	if (f.n == 0) {
		*type = def;
		return 0;
	}
	if (!parse_uint(f, ID_TYPE_MAX, &v))
		return fail(why, "+CTSDSR: bad identity type", -EINVAL);
	*type = (int)v;
	return 0;
}

/*
 * Parses an identity of the given type (ID_TYPE_NONE: the header form has no
 * type field, so more than 8 digits means a TSI, else an SSI). SSI: the whole
 * number, at most 16777215. TSI and extended TSI: the SSI is the last 8
 * digits, at most 16777215. SNA, PABX and PSTN numbers are not radio
 * identities: as the calling id they are an error, as the called id they give
 * 0. An empty field gives 0 and type 0. *type_out gets the type used.
 */
static int parse_identity(struct span f, int type, bool calling, uint32_t *ssi,
			  uint8_t *type_out, const char **why)
{
	unsigned long v = 0;
	size_t from = 0;

	*ssi = 0;
	*type_out = 0;
	if (f.n == 0)
		return 0;
	if (f.n > ID_DIGITS_MAX)
		return fail(why, "+CTSDSR: identity too long", -EINVAL);
	for (size_t i = 0; i < f.n; i++)
		if (!is_digit(f.p[i]))
			return fail(why, "+CTSDSR: identity is not a number", -EINVAL);
	if (type == ID_TYPE_NONE)
		type = f.n > SSI_DIGITS ? ID_TYPE_TSI : ID_TYPE_SSI;
	*type_out = (uint8_t)type;

	switch (type) {
	case ID_TYPE_SSI:
		break;
	case ID_TYPE_TSI:
	case ID_TYPE_ETSI:
		if (f.n > SSI_DIGITS)
			from = f.n - SSI_DIGITS;
		break;
	default:
		if (calling)
			return fail(why, "+CTSDSR: calling id is not an SSI or TSI", -EINVAL);
		return 0;
	}
	if (!parse_uint((struct span){ f.p + from, f.n - from }, SSI_MAX, &v))
		return fail(why, "+CTSDSR: SSI above 16777215", -EINVAL);
	*ssi = (uint32_t)v;
	return 0;
}

/*
 * Accepted forms (fields separated by commas, blanks around fields ignored,
 * empty optional fields allowed):
 *   7: AI, calling id, calling type, called id, called type, length, e2e
 *   6: AI, calling id, calling type, called id, called type, length
 *   4: AI, called id, called type, length - if the third field is a single
 *      digit 0..5 (the full form with both optional calling fields left out,
 *      as some decoders read it); otherwise
 *      AI, calling id, called id, length (types left out, inferred)
 *   3: AI, called id, length (no calling id: calling_ssi 0)
 * An identity type left out or empty is inferred from the digits: more than 8
 * is a TSI (its SSI is the last 8 digits), else an SSI.
 * AI service and length are required; length is at most 2047 bits. The AI
 * service is only range-checked here (hf_pei_decode_sds decides what it
 * supports). An end-to-end encrypted SDS (e2e 1) is refused: its payload is
 * ciphertext and decoding it would invent a position or status.
 * *out is written only on success.
 */
int hf_pei_parse_ctsdsr(const char *line, size_t len, struct hf_pei_ctsdsr *out,
			const char **why)
{
	struct span args, f[FIELDS_MAX];
	struct span calling = { 0 }, called = { 0 }, ctype = { 0 }, dtype = { 0 };
	struct span length, e2e = { 0 };
	struct hf_pei_ctsdsr h = { 0 };
	size_t nf = 0, start = 0;
	int calling_type = ID_TYPE_NONE, called_type = ID_TYPE_NONE;
	unsigned long v;
	int rc;

	if (!line || !ctsdsr_args(line, len, &args))
		return fail(why, "not a +CTSDSR header", -EINVAL);
	for (size_t i = 0; i <= args.n; i++) {
		if (i < args.n && args.p[i] != ',')
			continue;
		if (nf == FIELDS_MAX)
			return fail(why, "+CTSDSR: too many fields", -EINVAL);
		f[nf++] = trim(args.p + start, i - start);
		start = i + 1;
	}

	switch (nf) {
	case 7:
		e2e = f[6];
		/* fall through */
	case 6:
		calling = f[1];
		ctype = f[2];
		called = f[3];
		dtype = f[4];
		length = f[5];
		break;
	case 4:
		if (f[2].n == 1 && is_digit(f[2].p[0]) && f[2].p[0] - '0' <= ID_TYPE_MAX) {
			called = f[1];
			dtype = f[2];
		} else {
			calling = f[1];
			called = f[2];
		}
		length = f[3];
		break;
	case 3:
		called = f[1];
		length = f[2];
		break;
	default:
		return fail(why, "+CTSDSR: expected 3, 4, 6 or 7 fields", -EINVAL);
	}

	if (!parse_uint(f[0], UINT8_MAX, &v))
		return fail(why, "+CTSDSR: bad AI service", -EINVAL);
	h.ai_service = (uint8_t)v;
	if (!parse_uint(length, 999999, &v))
		return fail(why, "+CTSDSR: bad length", -EINVAL);
	if (v > HF_PEI_SDS_BITS_MAX)
		return fail(why, "+CTSDSR: length above 2047 bits", -EINVAL);
	h.length_bits = (uint16_t)v;
	if (e2e.n > 0) {
		if (!parse_uint(e2e, 1, &v))
			return fail(why, "+CTSDSR: bad end-to-end encryption flag", -EINVAL);
		if (v == 1)
			return fail(why, "end-to-end encrypted SDS cannot be decoded",
				    -EINVAL);
	}
	rc = parse_id_type(ctype, ID_TYPE_NONE, &calling_type, why);
	if (rc == 0)
		rc = parse_id_type(dtype, ID_TYPE_NONE, &called_type, why);
	if (rc)
		return rc;
	rc = parse_identity(calling, calling_type, true, &h.calling_ssi, &h.calling_type,
			    why);
	if (rc == 0)
		rc = parse_identity(called, called_type, false, &h.called_ssi,
				    &h.called_type, why);
	if (rc)
		return rc;
	*out = h;
	return 0;
}

/* ------------------------------------------------------------------------- */
/* SDS user data                                                             */
/* ------------------------------------------------------------------------- */

/* "SDS PI 0xNN not decoded yet" for every PI, so each reason stays static. */
#define PI_WHY(hi, lo) "SDS PI 0x" #hi #lo " not decoded yet",
#define PI_ROW(hi)                                                            \
	PI_WHY(hi, 0) PI_WHY(hi, 1) PI_WHY(hi, 2) PI_WHY(hi, 3) PI_WHY(hi, 4)     \
	PI_WHY(hi, 5) PI_WHY(hi, 6) PI_WHY(hi, 7) PI_WHY(hi, 8) PI_WHY(hi, 9)     \
	PI_WHY(hi, A) PI_WHY(hi, B) PI_WHY(hi, C) PI_WHY(hi, D) PI_WHY(hi, E)     \
	PI_WHY(hi, F)
static const char *const pi_why[256] = {
	PI_ROW(0) PI_ROW(1) PI_ROW(2) PI_ROW(3) PI_ROW(4) PI_ROW(5) PI_ROW(6) PI_ROW(7)
	PI_ROW(8) PI_ROW(9) PI_ROW(A) PI_ROW(B) PI_ROW(C) PI_ROW(D) PI_ROW(E) PI_ROW(F)
};
#undef PI_ROW
#undef PI_WHY

/* Why a text coding scheme (7 bits) other than ISO-8859-1 is refused. */
static const char *coding_why(uint8_t scheme)
{
	static const char *const named[] = {
		"SDS text coding scheme 0 (7-bit GSM alphabet) not supported",
		NULL,
		"SDS text coding scheme 2 (ISO-8859-2) not supported",
		"SDS text coding scheme 3 (ISO-8859-3) not supported",
		"SDS text coding scheme 4 (ISO-8859-4) not supported",
		"SDS text coding scheme 5 (ISO-8859-5) not supported",
		"SDS text coding scheme 6 (ISO-8859-6) not supported",
		"SDS text coding scheme 7 (ISO-8859-7) not supported",
		"SDS text coding scheme 8 (ISO-8859-8) not supported",
		"SDS text coding scheme 9 (ISO-8859-9) not supported",
		"SDS text coding scheme 10 (ISO-8859-10) not supported",
		"SDS text coding scheme 11 (ISO-8859-13) not supported",
		"SDS text coding scheme 12 (ISO-8859-14) not supported",
		"SDS text coding scheme 13 (ISO-8859-15) not supported",
	};

	if (scheme < HF_ARRAY_SIZE(named) && named[scheme])
		return named[scheme];
	if (scheme == 26)
		return "SDS text coding scheme 26 (UCS-2) not supported";
	return "SDS text coding scheme not supported (only 1, ISO-8859-1)";
}

/*
 * Appends ISO-8859-1 bytes to out (size HF_TEXT_MAX, NUL-terminated) as
 * UTF-8: bytes below 0x80 as they are, others as two bytes. A character that
 * would not fit whole (with the NUL) ends the text, so it is never cut inside
 * a character. NUL bytes are dropped.
 */
static void latin1_to_utf8(const uint8_t *p, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c == 0)
			continue;
		if (c < 0x80) {
			if (o + 1 >= HF_TEXT_MAX)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 2 >= HF_TEXT_MAX)
				break;
			out[o++] = (char)(0xC0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3F));
		}
	}
	out[o] = '\0';
}

/*
 * A text SDS of nbytes whole bytes, PI first. PI 0x02 and 0x09: then one byte
 * of timestamp-used flag (top bit) + 7-bit coding scheme. PI 0x82 and 0x89
 * (SDS-TL): a message type byte (high nibble 0 SDS-TRANSFER, 1 SDS-REPORT,
 * 2 SDS-ACK), a message reference byte, and for a transfer the coding byte.
 * A set timestamp flag means 3 bytes of timestamp follow, skipped. Then the
 * text, up to the last whole byte of the length. Reports and acks give
 * HF_PEI_IGNORED (why says which); only coding 1 (ISO-8859-1) is decoded.
 */
static int decode_text(const uint8_t *data, size_t nbytes, struct hf_radio_event *e,
		       const char **why)
{
	size_t at = 1;
	uint8_t coding;

	if (data[0] & 0x80) {
		uint8_t type;

		if (nbytes < 3)
			return fail(why, "SDS-TL text shorter than its header", -EINVAL);
		type = data[1] >> 4;
		if (type == 1)
			return fail(why, "SDS-TL report (delivery report, not a text)",
				    HF_PEI_IGNORED);
		if (type == 2)
			return fail(why, "SDS-TL acknowledgement (not a text)", HF_PEI_IGNORED);
		if (type != 0)
			return fail(why, "SDS-TL message type reserved", -EINVAL);
		at = 3;
	}
	if (nbytes < at + 1)
		return fail(why, "SDS text shorter than its coding scheme", -EINVAL);
	coding = data[at] & 0x7F;
	if (data[at] & 0x80)
		at += 3; /* timestamp */
	at++;
	if (coding != 1)
		return fail(why, coding_why(coding), -ENOTSUP);
	if (nbytes < at)
		return fail(why, "SDS text shorter than its timestamp", -EINVAL);
	e->kind = HF_EVENT_TEXT;
	latin1_to_utf8(data + at, nbytes - at, e->text);
	return 0;
}

/*
 * Decodes the user data of one record. The data line (blanks around it
 * ignored) must be all hex digits, either case; only the first
 * ceil(length_bits / 4) digits are used and any beyond are ignored, even an
 * odd number of them. AI 13: a 16-bit pre-coded status (any other length is
 * an error). AI 12: the first byte is the protocol identifier; 0x0A is LIP
 * (lip.c), 0x02/0x09/0x82/0x89 are text (decode_text), any other PI is
 * -ENOTSUP naming it. SDS-TL reports and acks return HF_PEI_IGNORED. AI 9/10/11 (SDS types 1-3)
 * are -ENOTSUP; other AI values are not SDS services (-EINVAL). On success
 * *ev is reset and filled (kind, issi from calling_ssi, status or fix and
 * reason); source and times are left zero for the caller. On error *ev is
 * untouched.
 */
int hf_pei_decode_sds(const struct hf_pei_ctsdsr *hdr, const char *hex, size_t len,
		      struct hf_radio_event *ev, const char **why)
{
	uint8_t data[(HF_PEI_SDS_BITS_MAX + 7) / 8] = { 0 };
	struct hf_radio_event e = { 0 };
	struct hf_lip_report rep;
	struct span s = trim(hex ? hex : "", hex ? len : 0);
	size_t digits;
	int rc;

	switch (hdr->ai_service) {
	case HF_PEI_AI_SDS1:
		return fail(why, "SDS type 1 not decoded yet", -ENOTSUP);
	case HF_PEI_AI_SDS2:
		return fail(why, "SDS type 2 not decoded yet", -ENOTSUP);
	case HF_PEI_AI_SDS3:
		return fail(why, "SDS type 3 not decoded yet", -ENOTSUP);
	case HF_PEI_AI_SDS4:
	case HF_PEI_AI_STATUS:
		break;
	default:
		return fail(why, "+CTSDSR: AI service is not an SDS service", -EINVAL);
	}
	if (hdr->length_bits > HF_PEI_SDS_BITS_MAX)
		return fail(why, "+CTSDSR: length above 2047 bits", -EINVAL);

	for (size_t i = 0; i < s.n; i++)
		if (hex_val(s.p[i]) < 0)
			return fail(why, "SDS data is not hex", -EINVAL);
	digits = (hdr->length_bits + 3u) / 4u;
	if (s.n < digits)
		return fail(why, "SDS data has fewer hex digits than its length", -EINVAL);
	for (size_t i = 0; i < digits; i++)
		data[i / 2] |= (uint8_t)(hex_val(s.p[i]) << (i % 2 ? 0 : 4));

	if (hdr->ai_service == HF_PEI_AI_SDS4 && hdr->length_bits >= 8 &&
	    (data[0] == HF_SDS_PI_TEXT || data[0] == HF_SDS_PI_IMMEDIATE_TEXT ||
	     data[0] == HF_SDS_PI_TL_TEXT || data[0] == HF_SDS_PI_TL_IMMEDIATE_TEXT)) {
		rc = decode_text(data, hdr->length_bits / 8u, &e, why);
		if (rc)
			return rc;
	} else if (hdr->ai_service == HF_PEI_AI_STATUS) {
		if (hdr->length_bits != STATUS_BITS)
			return fail(why, "status SDS is not 16 bits", -EINVAL);
		e.kind = HF_EVENT_STATUS;
		e.has_status = true;
		e.status = (uint16_t)(data[0] << 8 | data[1]);
	} else {
		if (hdr->length_bits < 8)
			return fail(why, "SDS type 4 shorter than its protocol identifier",
				    -EINVAL);
		if (data[0] != HF_SDS_PI_LIP)
			return fail(why, pi_why[data[0]], -ENOTSUP);
		rc = hf_lip_decode(data + 1, hdr->length_bits - 8u, &rep, why);
		if (rc)
			return rc;
		hf_lip_to_event(&rep, &e);
	}
	e.issi = hdr->calling_ssi;
	*ev = e;
	return 0;
}

/* ------------------------------------------------------------------------- */
/* +CTICN                                                                    */
/* ------------------------------------------------------------------------- */

#define CTICN_FIELDS 13
#define CTICN_CALLING_TYPE 3
#define CTICN_CALLING_ID 4
#define CTICN_PRIORITY 12

/*
 * +CTICN: <CC instance>,<call status>,<AI service>,[<calling party identity
 * type>],[<calling party identity>],[<hook>],[<simplex>],[<e2e encryption>],
 * [<comms type>],[<slots/codec>],[<called party identity type>],[<called
 * party identity>],[<priority level>] (EN 300 392-5; 13 fields). Only the
 * calling party and the priority matter here. A priority of 15 gives an
 * emergency-call event; a lower priority, or a short form without the
 * priority field, is an ordinary call: HF_PEI_IGNORED.
 */
int hf_pei_parse_cticn(const char *line, size_t len, struct hf_radio_event *ev,
		       const char **why)
{
	struct span args, f[CTICN_FIELDS];
	struct hf_radio_event e = { 0 };
	size_t nf = 0, start = 0;
	unsigned long prio;
	int type;
	uint8_t type_used;

	if (!line || !cticn_args(line, len, &args))
		return fail(why, "not a +CTICN line", -EINVAL);
	for (size_t i = 0; i <= args.n; i++) {
		if (i < args.n && args.p[i] != ',')
			continue;
		if (nf == CTICN_FIELDS)
			return fail(why, "+CTICN: too many fields", -EINVAL);
		f[nf++] = trim(args.p + start, i - start);
		start = i + 1;
	}
	if (nf < CTICN_FIELDS || f[CTICN_PRIORITY].n == 0)
		return fail(why, "+CTICN without a priority (an ordinary call)", HF_PEI_IGNORED);
	if (!parse_uint(f[CTICN_PRIORITY], HF_CALL_PRIORITY_EMERGENCY, &prio))
		return fail(why, "+CTICN: bad priority level", -EINVAL);
	if (prio != HF_CALL_PRIORITY_EMERGENCY)
		return fail(why, "+CTICN below emergency priority (an ordinary call)",
			    HF_PEI_IGNORED);
	if (parse_id_type(f[CTICN_CALLING_TYPE], ID_TYPE_NONE, &type, why) != 0)
		return fail(why, "+CTICN: bad calling party identity type", -EINVAL);
	if (parse_identity(f[CTICN_CALLING_ID], type, true, &e.issi, &type_used, why) != 0)
		return fail(why, "+CTICN: calling party is not an SSI or TSI", -EINVAL);
	if (e.issi == 0)
		return fail(why, "+CTICN: emergency call without a calling party", -EINVAL);
	e.kind = HF_EVENT_EMERGENCY_CALL;
	e.has_call_priority = true;
	e.call_priority = (uint8_t)prio;
	*ev = e;
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Command responses                                                         */
/* ------------------------------------------------------------------------- */

/* True if the span is the word w (upper case), ignoring the case of s. */
static bool word_is(struct span s, const char *w)
{
	size_t n = strlen(w);

	if (s.n != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s.p[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != w[i])
			return false;
	}
	return true;
}

/*
 * OK and ERROR are whole lines; +CME ERROR and +CMS ERROR carry an error
 * number (one that does not parse gives -1, the line still ends the
 * command); +CMGS is the information response to AT+CMGS, its fields are
 * left to the caller in text.
 */
bool hf_pei_parse_response(const char *line, size_t len, struct hf_pei_response *out)
{
	struct span l = trim(line ? line : "", line ? len : 0);
	struct hf_pei_response r = { .text = l.p, .len = l.n };
	struct span args;
	unsigned long v;

	if (word_is(l, "OK")) {
		r.kind = HF_PEI_RESP_OK;
	} else if (word_is(l, "ERROR")) {
		r.kind = HF_PEI_RESP_ERROR;
		r.error = -1;
	} else if (tag_args("+CME ERROR", l.p, l.n, &args) ||
		   tag_args("+CMS ERROR", l.p, l.n, &args)) {
		r.kind = HF_PEI_RESP_ERROR;
		r.error = parse_uint(trim(args.p, args.n), 65535, &v) ? (int)v : -1;
	} else if (tag_args("+CMGS", l.p, l.n, &args)) {
		r.kind = HF_PEI_RESP_CMGS;
	} else {
		return false;
	}
	*out = r;
	return true;
}

/* ------------------------------------------------------------------------- */
/* Stream                                                                    */
/* ------------------------------------------------------------------------- */

/*
 * End-of-line pairing: CR, LF, CRLF and LFCR each end one line, so CR and LF
 * right after the other one do not make an empty line, while CRLF CRLF does
 * (a blank line, as an editor shows it). The pairing remembers the last
 * end-of-line byte across feeds in last_eol: 0 once it has been paired or any
 * other byte has followed it.
 */
static bool is_eol(uint8_t c)
{
	return c == '\r' || c == '\n';
}

static void reject(struct hf_pei_stream *s, uint64_t line_no, const char *why,
		   const char *line, size_t len)
{
	s->stats.rejected++;
	if (s->sink.reject)
		s->sink.reject(s->sink.ctx, line_no, why, line ? line : "", line ? len : 0);
}

/* Rejects the waiting header for want of a data line. Its text is gone by now,
 * so the line reported is rebuilt from the parsed fields. */
static void reject_header(struct hf_pei_stream *s, const char *why)
{
	char text[80];
	int n;

	n = snprintf(text, sizeof(text), "+CTSDSR: %u,%lu,%u,%lu,%u,%u",
		     (unsigned)s->header.ai_service, (unsigned long)s->header.calling_ssi,
		     (unsigned)s->header.calling_type, (unsigned long)s->header.called_ssi,
		     (unsigned)s->header.called_type, (unsigned)s->header.length_bits);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(text))
		n = sizeof(text) - 1;
	s->have_header = false;
	reject(s, s->header_line_no, why, text, (size_t)n);
}

/* Starts a record from a header line (line_no), rejecting a waiting one. */
static void take_header(struct hf_pei_stream *s, uint64_t line_no, struct span l)
{
	struct hf_pei_ctsdsr h;
	const char *why = NULL;

	if (s->have_header)
		reject_header(s, "header without data");
	if (hf_pei_parse_ctsdsr(l.p, l.n, &h, &why) != 0) {
		reject(s, line_no, why, l.p, l.n);
		return;
	}
	s->header = h;
	s->header_line_no = line_no;
	s->have_header = true;
}

/*
 * True for a LIP short location report whose reason for sending is neither an
 * emergency nor radio health (service loss, low battery, lost location), read from the hex digits at their fixed places: PI (8 bits),
 * PDU type (2), time elapsed (2), longitude (25), latitude (24), position
 * error (3), velocity (7), direction (4), type of additional data (1: bit 75,
 * the last bit of digit 18; 0 = a reason follows), reason (8: digits 19-20).
 */
static bool sheddable(const struct hf_pei_ctsdsr *hdr, struct span l)
{
	int d2, d18, r1, r2;

	l = trim(l.p, l.n);
	if (hdr->ai_service != HF_PEI_AI_SDS4 || hdr->length_bits < 84 || l.n < 21)
		return false;
	if (hex_val(l.p[0]) != 0 || hex_val(l.p[1]) != 0xA) /* PI 0x0A: LIP */
		return false;
	d2 = hex_val(l.p[2]);
	d18 = hex_val(l.p[18]);
	r1 = hex_val(l.p[19]);
	r2 = hex_val(l.p[20]);
	if (d2 < 0 || (d2 >> 2) != 0 || d18 < 0 || (d18 & 1) || r1 < 0 || r2 < 0)
		return false; /* not a short report with a reason: decode it */
	switch (r1 << 4 | r2) {
	case HF_LIP_REASON_EMERGENCY:
	case HF_LIP_REASON_SERVICE_LOSS: /* radio health: raises an open incident */
	case HF_LIP_REASON_LOW_BATTERY:
	case HF_LIP_REASON_LOST_LOCATION:
		return false;
	default:
		return true;
	}
}

/* Completes the waiting record with its data line. */
static void take_data(struct hf_pei_stream *s, struct span l)
{
	struct hf_radio_event ev;
	const char *why = NULL;

	int rc;

	s->have_header = false;
	if (s->shed > 1 && sheddable(&s->header, l) && ++s->shed_turn % s->shed != 0) {
		s->stats.shed++;
		return;
	}
	rc = hf_pei_decode_sds(&s->header, l.p, l.n, &ev, &why);
	if (rc == HF_PEI_IGNORED) {
		s->stats.ignored++;
		return;
	}
	if (rc != 0) {
		reject(s, s->header_line_no, why, l.p, l.n);
		return;
	}
	s->stats.events++;
	if (s->sink.event)
		s->sink.event(s->sink.ctx, &ev);
}

/* Handles a +CTICN line: an emergency call is an event, an ordinary call is
 * ignored, a malformed line is rejected. */
static void take_cticn(struct hf_pei_stream *s, uint64_t line_no, struct span l)
{
	struct hf_radio_event ev;
	const char *why = NULL;
	int rc = hf_pei_parse_cticn(l.p, l.n, &ev, &why);

	if (rc == HF_PEI_IGNORED) {
		s->stats.ignored++;
		return;
	}
	if (rc != 0) {
		reject(s, line_no, why, l.p, l.n);
		return;
	}
	s->stats.events++;
	if (s->sink.event)
		s->sink.event(s->sink.ctx, &ev);
}

/*
 * Handles one complete line (without its end of line). Blank lines count for
 * numbering but are otherwise skipped. While a header waits, the next
 * non-blank line is its data, unless it starts with '+': hex data never does,
 * so that is an unsolicited result code in its own right (another +CTSDSR
 * header, or e.g. +CTICN) and the waiting header had lost its data. A
 * +CTICN line is then handled on its own (take_cticn). A command response
 * (OK, ERROR, +CME ERROR, +CMGS) is never hex data either: it also ends a
 * waiting header, and goes to sink.response.
 */
static void take_line(struct hf_pei_stream *s)
{
	uint64_t line_no = ++s->stats.lines;
	struct span l = trim(s->line, s->len);
	struct span args;
	struct hf_pei_response resp;

	if (s->overflow) {
		s->stats.overlong++;
		if (s->have_header) {
			s->have_header = false;
			reject(s, s->header_line_no, "line too long", s->line, s->len);
		} else {
			reject(s, line_no, "line too long", s->line, s->len);
		}
		return;
	}
	if (l.n == 0)
		return;
	if (ctsdsr_args(l.p, l.n, &args)) {
		take_header(s, line_no, l);
		return;
	}
	if (hf_pei_parse_response(l.p, l.n, &resp)) {
		if (s->have_header)
			reject_header(s, "header without data");
		s->stats.ignored++;
		s->stats.responses++;
		if (s->sink.response)
			s->sink.response(s->sink.ctx, &resp);
		return;
	}
	if (s->have_header && l.p[0] == '+')
		reject_header(s, "header without data");
	if (cticn_args(l.p, l.n, &args)) {
		take_cticn(s, line_no, l);
		return;
	}
	if (s->have_header) {
		take_data(s, l);
		return;
	}
	s->stats.ignored++;
}

void hf_pei_stream_init(struct hf_pei_stream *s, const struct hf_pei_sink *sink)
{
	memset(s, 0, sizeof(*s));
	if (sink)
		s->sink = *sink;
}

/*
 * Splits bytes into lines and hands each complete one to take_line. A line
 * longer than HF_PEI_LINE_MAX keeps its first HF_PEI_LINE_MAX bytes (for the
 * reject report) and drops the rest up to the next end of line.
 */
void hf_pei_stream_feed(struct hf_pei_stream *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];

		if (is_eol(c)) {
			if (s->last_eol && (uint8_t)s->last_eol != c) {
				s->last_eol = 0; /* second half of CRLF / LFCR */
				continue;
			}
			take_line(s);
			s->len = 0;
			s->overflow = false;
			s->last_eol = (char)c;
			continue;
		}
		s->last_eol = 0;
		if (s->overflow)
			continue;
		if (s->len == HF_PEI_LINE_MAX) {
			s->overflow = true;
			continue;
		}
		s->line[s->len++] = (char)c;
	}
}

/*
 * Ends the stream: a last line without its end of line is counted and
 * rejected. If a header was waiting, that line (unless it is itself a
 * result code) is taken as its cut-off data and the record is rejected once;
 * a header with no line after it is rejected as "header without data". The
 * stream is then ready for new bytes; counters and line numbers go on.
 */
void hf_pei_stream_end(struct hf_pei_stream *s)
{
	struct span l = trim(s->line, s->len);

	if (s->overflow) {
		take_line(s);
	} else if (l.n > 0) {
		uint64_t line_no = ++s->stats.lines;

		if (s->have_header && l.p[0] != '+') {
			s->have_header = false;
			reject(s, s->header_line_no, "data line cut off at end of stream",
			       l.p, l.n);
		} else {
			if (s->have_header)
				reject_header(s, "header without data");
			reject(s, line_no, "partial line at end of stream", l.p, l.n);
		}
	} else if (s->len > 0) {
		s->stats.lines++; /* a last line of blanks only */
	}
	if (s->have_header)
		reject_header(s, "header without data");
	s->len = 0;
	s->overflow = false;
	s->last_eol = 0;
}
