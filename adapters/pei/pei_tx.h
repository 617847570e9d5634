/*
 * pei_tx.h - what the gateway sends to a radio over PEI: SDS-TL text PDUs and
 * the AT+CMGS command that carries them (ETSI EN 300 392-5, shared/domain.md
 * sections 1 and 3).
 *
 * Pure: bytes in, bytes out; no I/O, no globals, no allocation. The tetra-pei
 * adapter, the unit tests and the fuzzers share it, and what it encodes
 * decodes back through hf_pei_decode_sds (pei.h) to the same text.
 */
#ifndef HF_PEI_TX_H
#define HF_PEI_TX_H

#include <stddef.h>
#include <stdint.h>

#include "pei.h"

/* An SDS-TL text PDU: PI 0x82, message type, message reference, timestamp
 * flag + coding scheme, then the text. */
#define HF_SDS_TL_TEXT_HEADER 4
/* SDS type 4 carries at most 2047 bits: 255 whole bytes. */
#define HF_SDS_PDU_MAX (HF_PEI_SDS_BITS_MAX / 8)
/* The longest text, in ISO-8859-1 characters (one byte each). */
#define HF_SDS_TEXT_CHARS_MAX (HF_SDS_PDU_MAX - HF_SDS_TL_TEXT_HEADER)
/* The longest command hf_pei_format_cmgs builds, NUL included: "AT+CMGS=",
 * 8 digits, ',', 4 digits, CR, 2 hex digits for each of up to 256 bytes
 * (2047 bits), Ctrl-Z. */
#define HF_PEI_CMD_MAX (8 + 8 + 1 + 4 + 1 + 2 * ((HF_PEI_SDS_BITS_MAX + 7) / 8) + 1 + 1)
#define HF_SSI_MAX 16777215u /* 24-bit TETRA SSI */

/*
 * Encodes a text SDS-TL transfer to pdu (size bytes, at least HF_SDS_PDU_MAX
 * to hold the longest): PI 0x82 (text messaging), message type 0x00
 * (SDS-TRANSFER, no delivery report requested, no storage), message
 * reference ref, coding byte 0x01 (no timestamp, ISO-8859-1), then the text
 * converted from UTF-8 (borrowed, NUL-terminated): code points up to U+00FF
 * as one byte each, any other code point or malformed UTF-8 as '?' (one per
 * bad byte run), NUL never. Text beyond HF_SDS_TEXT_CHARS_MAX characters is
 * cut at a character boundary (*truncated true, if not NULL). Returns the
 * PDU length in bits (always a multiple of 8, at most 2047), or -EINVAL (text
 * NULL) or -ENOBUFS (size too small for the header).
 */
int hf_sds_text_encode(uint8_t ref, const char *text, uint8_t *pdu, size_t size,
		       bool *truncated);

/*
 * Formats the command that sends an SDS type 4 of bits bits (pdu, borrowed)
 * to the individual called (an SSI, 1..16777215), into out (size bytes,
 * NUL-terminated; HF_PEI_CMD_MAX always suffices):
 *
 *   AT+CMGS=<called ISSI>,<length in bits><CR><user data in hex><Ctrl-Z>
 *
 * Returns the command length (without the NUL), -EINVAL (called out of
 * range, bits 0 or above 2047, pdu NULL) or -ENOBUFS (out too small).
 */
int hf_pei_format_cmgs(uint32_t called, const uint8_t *pdu, size_t bits, char *out,
		       size_t size);

#endif
