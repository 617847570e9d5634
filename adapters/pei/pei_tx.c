/*
 * pei_tx.c - outgoing PEI: SDS-TL text PDUs and the AT+CMGS command.
 *
 * The AT+CMGS form. EN 300 392-5 sends an SDS with
 *   AT+CMGS=<called party identity>,<length><CR><user data><Ctrl-Z>
 * where the length is in bits and the user data is hex, and the AI service
 * (SDS type 4 here) was chosen beforehand with AT+CTSDS. Radios differ in
 * what comes between the two halves: some print a "> " prompt after the
 * CR and wait for it, others (and the line gateways seen in open-source PEI
 * tools, which send the called identity as a bare SSI, without the
 * optional type and area fields) take the whole command at once. The form
 * chosen is the common denominator: bare SSI, length in bits, CR, hex
 * digits in upper case, Ctrl-Z, written in one go without waiting for a
 * prompt (a radio that prompts still reads the data that follows). The
 * radio answers "+CMGS: <SDS instance>[,<SDS status>[,<message reference>]]"
 * then OK, or an error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pei_tx.h"

#define PI_TL_TEXT 0x82
#define TL_TRANSFER 0x00  /* high nibble 0 SDS-TRANSFER; no report, no storage */
#define CODING_LATIN1 0x01 /* timestamp flag 0, coding scheme 1 ISO-8859-1 */
#define CTRL_Z 0x1A

/*
 * Decodes one UTF-8 character at p (n bytes left, n > 0) into *cp; returns
 * how many bytes it took (1-4), or 0 for a malformed or overlong sequence,
 * a surrogate or a code point above U+10FFFF (then one byte is skipped).
 */
static size_t utf8_next(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint32_t c = p[0], min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xE0) == 0xC0) {
		len = 2;
		c &= 0x1F;
		min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3;
		c &= 0x0F;
		min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3Fu);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

int hf_sds_text_encode(uint8_t ref, const char *text, uint8_t *pdu, size_t size,
		       bool *truncated)
{
	const uint8_t *p = (const uint8_t *)text;
	size_t n, at = HF_SDS_TL_TEXT_HEADER, cap;
	bool bad = false;

	if (truncated)
		*truncated = false;
	if (!text || !pdu)
		return -EINVAL;
	if (size < HF_SDS_TL_TEXT_HEADER)
		return -ENOBUFS;
	cap = size < HF_SDS_PDU_MAX ? size : HF_SDS_PDU_MAX;
	pdu[0] = PI_TL_TEXT;
	pdu[1] = TL_TRANSFER;
	pdu[2] = ref;
	pdu[3] = CODING_LATIN1;
	n = strlen(text);
	for (size_t i = 0; i < n;) {
		uint32_t cp = 0;
		size_t used = utf8_next(p + i, n - i, &cp);

		if (used == 0 && bad) {
			i++; /* a run of bad bytes is one '?' */
			continue;
		}
		if (at == cap) {
			if (truncated)
				*truncated = true;
			break;
		}
		bad = used == 0;
		pdu[at++] = used && cp <= 0xFF ? (uint8_t)cp : '?';
		i += used ? used : 1;
	}
	return (int)(at * 8);
}

int hf_pei_format_cmgs(uint32_t called, const uint8_t *pdu, size_t bits, char *out,
		       size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t bytes = (bits + 7) / 8, o;
	int n;

	if (!pdu || !out || called == 0 || called > HF_SSI_MAX || bits == 0 ||
	    bits > HF_PEI_SDS_BITS_MAX)
		return -EINVAL;
	n = snprintf(out, size, "AT+CMGS=%lu,%u\r", (unsigned long)called, (unsigned)bits);
	if (n < 0 || (size_t)n >= size || size - (size_t)n < 2 * bytes + 2)
		return -ENOBUFS;
	o = (size_t)n;
	for (size_t i = 0; i < bytes; i++) {
		out[o++] = hex[pdu[i] >> 4];
		out[o++] = hex[pdu[i] & 15];
	}
	out[o++] = CTRL_Z;
	out[o] = '\0';
	return (int)o;
}
