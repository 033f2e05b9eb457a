/* Tagged hashes of the evidence tags with their midstates computed once: ldg_tagged_hash
 * caches only the core's tags, and an evidence record costs five tagged hashes of short
 * inputs, where hashing the tag twice more would double the ingest's cost. SHA-256 is
 * OpenSSL's SHA256_* interface on a copied midstate: no allocation and no algorithm lookup
 * per hash (the one-shot SHA256() and EVP_Digest* fetch the algorithm each call, about five
 * times the cost of a 300-byte hash; nettle's sha256 is no faster here). */
#include "ldg_ev.h"

#include <openssl/sha.h>
#include <pthread.h>
#include <string.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/* In the order of ldg_ev_tag. */
static const char *const tags[] = {LDG_TAG_EV_PAYLOAD, LDG_TAG_EV_RECORD, LDG_TAG_EV_SALT,
                                   LDG_TAG_EV_LEAF,    LDG_TAG_EV_NODE,   LDG_TAG_EV_EMPTY,
                                   LDG_TAG_EV_LOGLEAF};
#define NTAGS (sizeof tags / sizeof tags[0])
static SHA256_CTX mid[NTAGS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
    for (size_t i = 0; i < NTAGS; i++) {
        uint8_t th[32];
        SHA256((const unsigned char *)tags[i], strlen(tags[i]), th);
        SHA256_Init(&mid[i]);
        SHA256_Update(&mid[i], th, 32);
        SHA256_Update(&mid[i], th, 32);
    }
}

void ldg_ev_th_at(ldg_hash *out, ldg_ev_tag tag, const void *data, size_t len)
{
    pthread_once(&once, init);
    LDG_ASSERT((size_t)tag < NTAGS);
    SHA256_CTX c = mid[tag];
    SHA256_Update(&c, data, len);
    SHA256_Final(out->b, &c);
}

void ldg_ev_th(ldg_hash *out, const char *tag, const void *data, size_t len)
{
    for (size_t i = 0; i < NTAGS; i++)
        if (tag == tags[i] || !strcmp(tag, tags[i])) {
            ldg_ev_th_at(out, (ldg_ev_tag)i, data, len);
            return;
        }
    ldg_tagged_hash(out, tag, data, len);
}
