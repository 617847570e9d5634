/*
 * journal_hash.c - the timeline hash chain (journal.h), shared by the gateway
 * that writes the journal and `handoffctl verify` that checks exports.
 * SHA-256 from libsodium.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "journal.h"

const char hf_journal_zero_hash[HF_HASH_HEX] =
	"0000000000000000000000000000000000000000000000000000000000000000";

static void put(crypto_hash_sha256_state *st, const char *s)
{
	crypto_hash_sha256_update(st, (const unsigned char *)s, strlen(s));
	crypto_hash_sha256_update(st, (const unsigned char *)"\n", 1);
}

void hf_journal_entry_hash(const char *prev_hash, const char *incident, int64_t n,
			   int64_t unix_ms, const char *source, const char *actor, const char *what,
			   uint64_t seq, const uint8_t *state, size_t len, char out[HF_HASH_HEX])
{
	static const char hex[] = "0123456789abcdef";
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char num[32], chunk[512];

	crypto_hash_sha256_init(&st);
	put(&st, prev_hash);
	put(&st, incident);
	snprintf(num, sizeof num, "%lld", (long long)n);
	put(&st, num);
	snprintf(num, sizeof num, "%lld", (long long)unix_ms);
	put(&st, num);
	put(&st, source);
	put(&st, actor);
	put(&st, what);
	snprintf(num, sizeof num, "%llu", (unsigned long long)seq);
	put(&st, num);
	for (size_t i = 0; i < len;) {
		size_t k = 0;

		for (; i < len && k + 2 <= sizeof chunk; i++) {
			chunk[k++] = hex[state[i] >> 4];
			chunk[k++] = hex[state[i] & 15];
		}
		crypto_hash_sha256_update(&st, (const unsigned char *)chunk, k);
	}
	crypto_hash_sha256_final(&st, digest);
	for (size_t i = 0; i < sizeof digest; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[2 * sizeof digest] = '\0';
}
