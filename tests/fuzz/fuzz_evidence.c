/*
 * fuzz_evidence.c - libFuzzer target for `handoffctl verify`: a court file may
 * be hostile, so hf_evidence_verify must take any bytes without crashing.
 *
 * Beyond "no crash": whatever verifies is exactly the document that export
 * would render from the fields read back (verification is a bijection onto
 * the canonical form), and its chain holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/handoffctl/evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hf_evidence doc;
	char err[512], *text = NULL;
	size_t len = 0;

	if (hf_evidence_verify((const char *)data, size, &doc, err, sizeof err) != 0) {
		check(memchr(err, '\0', sizeof err) != NULL && err[0] != '\0');
		return 0;
	}
	check(hf_evidence_check_chain(&doc, err, sizeof err) == 0);
	check(hf_evidence_render(&doc, &text, &len, err, sizeof err) == 0);
	check(len == size && memcmp(text, data, size) == 0);
	free(text);
	hf_evidence_finish(&doc);
	return 0;
}
