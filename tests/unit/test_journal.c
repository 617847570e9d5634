/*
 * test_journal.c - the journal's hash chain (journal.h) against values
 * computed independently (Python's hashlib over the documented form).
 */
#include <criterion/criterion.h>

#include "journal.h"

/* The documented canonical form gives the same SHA-256 as an independent
 * implementation: sha256("0"*64 "\nINC-0001\n1\n1795000000000\npei-1\n
 * PCSO 7\nraised\n35\n0a08ff") computed with Python's hashlib. */
Test(journal, entry_hash_matches_an_independent_implementation)
{
	static const uint8_t state[] = { 0x0a, 0x08, 0xff };
	char h[HF_HASH_HEX];

	hf_journal_entry_hash(hf_journal_zero_hash, "INC-0001", 1, 1795000000000, "pei-1",
			      "PCSO 7", "raised", 35, state, sizeof state, h);
	cr_assert_str_eq(h, "61dec3d3920f24595045549d6c758ff7390dc15ffb068db554c85bb5d2de9e28");
}

/* Every field is in the hash: changing any one changes it. */
Test(journal, every_field_changes_the_hash)
{
	static const uint8_t s1[] = { 1, 2, 3 }, s2[] = { 1, 2, 4 };
	char base[HF_HASH_HEX], h[HF_HASH_HEX];

	hf_journal_entry_hash(hf_journal_zero_hash, "INC-0001", 1, 5, "a", "b", "c", 7, s1, 3, base);
#define DIFFERS(...)                                  \
	hf_journal_entry_hash(__VA_ARGS__, h);        \
	cr_assert_str_neq(h, base)
	DIFFERS(base, "INC-0001", 1, 5, "a", "b", "c", 7, s1, 3);
	DIFFERS(hf_journal_zero_hash, "INC-0002", 1, 5, "a", "b", "c", 7, s1, 3);
	DIFFERS(hf_journal_zero_hash, "INC-0001", 2, 5, "a", "b", "c", 7, s1, 3);
	DIFFERS(hf_journal_zero_hash, "INC-0001", 1, 6, "a", "b", "c", 7, s1, 3);
	DIFFERS(hf_journal_zero_hash, "INC-0001", 1, 5, "A", "b", "c", 7, s1, 3);
	DIFFERS(hf_journal_zero_hash, "INC-0001", 1, 5, "a", "B", "c", 7, s1, 3);
	DIFFERS(hf_journal_zero_hash, "INC-0001", 1, 5, "a", "b", "C", 7, s1, 3);
	DIFFERS(hf_journal_zero_hash, "INC-0001", 1, 5, "a", "b", "c", 8, s1, 3);
	DIFFERS(hf_journal_zero_hash, "INC-0001", 1, 5, "a", "b", "c", 7, s2, 3);
	DIFFERS(hf_journal_zero_hash, "INC-0001", 1, 5, "a", "b", "c", 7, s1, 2);
}
