/*
 * fuzz_sds.c - libFuzzer target for SDS user data decoding
 * (hf_pei_decode_sds) and the outgoing SDS-TL text encoder (pei_tx.c).
 *
 * Input: a 6-byte header, then the data.
 *   byte 0      AI service (any value: 12 and 13 are decoded, others refused)
 *   bytes 1-2   length in bits, big-endian, 0..4095 (above 2047 must be
 *               refused by AI 12 and 13)
 *   bytes 3-5   calling SSI, big-endian (24 bits)
 *   rest        the +CTSDSR data line, handed over in a buffer of exactly its
 *               size so the sanitizer catches a read past it
 * Decoding must not crash, and what it returns must be sane (a known kind,
 * the calling SSI, text NUL-terminated within HF_TEXT_MAX and valid UTF-8).
 *
 * The same rest, as UTF-8 text (anything: malformed sequences included), is
 * then encoded as an SDS-TL text PDU and an AT+CMGS command: the PDU must be
 * at most 2047 bits of whole bytes with the SDS-TL text header and no NUL;
 * the command must have the documented form; and the PDU's hex decoded back
 * through hf_pei_decode_sds must be a text event which, encoded again, gives
 * the same PDU (when the text fits the decoder's HF_TEXT_MAX).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pei.h"
#include "pei_tx.h"

#define HEADER 6
#define TEXT_IN_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* True if s (NUL-terminated) is valid UTF-8 of one- and two-byte sequences
 * for U+0001..U+00FF, which is all the decoder produces. */
static bool latin1_utf8(const char *s)
{
	for (const uint8_t *p = (const uint8_t *)s; *p; p++) {
		if (*p < 0x80)
			continue;
		if ((*p != 0xC2 && *p != 0xC3) || (p[1] & 0xC0) != 0x80)
			return false;
		p++;
	}
	return true;
}

static void decode_input(const uint8_t *data, size_t size)
{
	struct hf_pei_ctsdsr hdr = { 0 };
	struct hf_radio_event ev;
	const char *why = NULL;
	char *line;
	size_t n = size - HEADER;
	int rc;

	hdr.ai_service = data[0];
	hdr.length_bits = (uint16_t)((data[1] << 8 | data[2]) & 0x0FFF);
	hdr.calling_ssi = (uint32_t)data[3] << 16 | (uint32_t)data[4] << 8 | data[5];
	line = malloc(n ? n : 1);
	check(line != NULL);
	memcpy(line, data + HEADER, n);
	memset(&ev, 0xA5, sizeof ev);
	rc = hf_pei_decode_sds(&hdr, line, n, &ev, &why);
	if (rc == 0) {
		check(ev.issi == hdr.calling_ssi);
		check(ev.kind == HF_EVENT_STATUS || ev.kind == HF_EVENT_LOCATION ||
		      ev.kind == HF_EVENT_TEXT);
		check(hdr.ai_service == HF_PEI_AI_SDS4 || hdr.ai_service == HF_PEI_AI_STATUS);
		check(hdr.length_bits <= HF_PEI_SDS_BITS_MAX);
		if (ev.kind == HF_EVENT_TEXT) {
			check(memchr(ev.text, '\0', sizeof ev.text) != NULL);
			check(latin1_utf8(ev.text));
		}
	} else {
		check(rc == HF_PEI_IGNORED || rc == -EINVAL || rc == -ENOTSUP);
		check(why != NULL && why[0] != '\0');
	}
	if (hdr.length_bits > HF_PEI_SDS_BITS_MAX &&
	    (hdr.ai_service == HF_PEI_AI_SDS4 || hdr.ai_service == HF_PEI_AI_STATUS))
		check(rc == -EINVAL);
	free(line);
}

/* Length of the decoder's UTF-8 for PDU text bytes p[0..n). */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += p[i] < 0x80 ? 1 : 2;
	return len;
}

static void round_trip(uint8_t ref, const uint8_t *data, size_t n)
{
	static const char hexd[] = "0123456789ABCDEF";
	char text[TEXT_IN_MAX + 1], hex[2 * HF_SDS_PDU_MAX], head[32];
	uint8_t pdu[HF_SDS_PDU_MAX], again[HF_SDS_PDU_MAX];
	char *cmd = malloc(HF_PEI_CMD_MAX);
	struct hf_pei_ctsdsr hdr = { .ai_service = HF_PEI_AI_SDS4, .calling_ssi = 1 };
	struct hf_radio_event ev;
	const char *why = NULL;
	bool cut = false;
	int bits, len, hl, rc;
	size_t bytes;

	check(cmd != NULL);
	if (n > TEXT_IN_MAX)
		n = TEXT_IN_MAX;
	memcpy(text, data, n);
	text[n] = '\0';
	bits = hf_sds_text_encode(ref, text, pdu, sizeof pdu, &cut);
	check(bits >= 8 * HF_SDS_TL_TEXT_HEADER && bits <= HF_PEI_SDS_BITS_MAX && bits % 8 == 0);
	bytes = (size_t)bits / 8;
	check(pdu[0] == 0x82 && pdu[1] == 0x00 && pdu[2] == ref && pdu[3] == 0x01);
	check(memchr(pdu + 4, '\0', bytes - 4) == NULL);
	check(!cut || bytes == HF_SDS_PDU_MAX);
	check(bytes - HF_SDS_TL_TEXT_HEADER <= strlen(text));

	/* The command: AT+CMGS=1234567,<bits>\r<hex>^Z, in a buffer of exactly
	 * HF_PEI_CMD_MAX bytes. */
	len = hf_pei_format_cmgs(1234567, pdu, (size_t)bits, cmd, HF_PEI_CMD_MAX);
	hl = snprintf(head, sizeof head, "AT+CMGS=1234567,%d\r", bits);
	check(len == hl + (int)(2 * bytes) + 1);
	check(memcmp(cmd, head, (size_t)hl) == 0);
	check(cmd[len - 1] == 0x1A && cmd[len] == '\0');
	for (size_t i = 0; i < bytes; i++) {
		hex[2 * i] = hexd[pdu[i] >> 4];
		hex[2 * i + 1] = hexd[pdu[i] & 15];
	}
	check(memcmp(cmd + hl, hex, 2 * bytes) == 0);

	/* Back through the decoder. */
	hdr.length_bits = (uint16_t)bits;
	rc = hf_pei_decode_sds(&hdr, hex, 2 * bytes, &ev, &why);
	check(rc == 0 && ev.kind == HF_EVENT_TEXT && ev.issi == 1);
	if (utf8_len(pdu + 4, bytes - 4) < HF_TEXT_MAX) {
		check(hf_sds_text_encode(ref, ev.text, again, sizeof again, NULL) == bits);
		check(memcmp(again, pdu, bytes) == 0);
	}
	free(cmd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER)
		return 0;
	decode_input(data, size);
	round_trip(data[0], data + HEADER, size - HEADER);
	return 0;
}
