#include "ldg_hash.h"
#include "ldg_assert.h"

#include <openssl/sha.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Tagged hashes start with SHA256(tag) || SHA256(tag): one 64-byte block, so the state
 * after it (the midstate) is computed once per tag and copied for each hash. OpenSSL's
 * SHA256_* interface is deprecated in 3.0 in favour of EVP, but EVP allocates a context per
 * hash, which costs more than the hash of a small message; we keep the plain one. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/* The protocol's tags (ldg_hash.h); others are hashed without a cached midstate. */
static const char *const known_tags[] = {
    LDG_TAG_TX,          LDG_TAG_BLOCK,        LDG_TAG_STATE,    LDG_TAG_WRITE,
    LDG_TAG_TXROOT,      LDG_TAG_ACCOUNT,      LDG_TAG_VOTE,     LDG_TAG_TXSIG,
    LDG_TAG_SMT_KEY,     LDG_TAG_SMT_VALUE,    LDG_TAG_SMT_LEAF, LDG_TAG_SMT_INNER,
    LDG_TAG_SMT_REGPATH, LDG_TAG_SMT_REGISTER, LDG_TAG_SUM_LEAF, LDG_TAG_SUM_INNER};
#define KNOWN_TAGS (sizeof known_tags / sizeof known_tags[0])
static SHA256_CTX known_mid[KNOWN_TAGS];
static pthread_once_t known_once = PTHREAD_ONCE_INIT;

static void compute_mid(const char *tag, SHA256_CTX *out)
{
    uint8_t th[32];
    SHA256((const unsigned char *)tag, strlen(tag), th);
    SHA256_Init(out);
    SHA256_Update(out, th, 32);
    SHA256_Update(out, th, 32);
}

static void known_init(void)
{
    for (size_t i = 0; i < KNOWN_TAGS; i++)
        compute_mid(known_tags[i], &known_mid[i]);
}

static void midstate(const char *tag, SHA256_CTX *out)
{
    pthread_once(&known_once, known_init);
    /* By address first: callers pass the LDG_TAG_* literals, and a tree node's 15 hashes
     * would otherwise each pay a strcmp against every tag listed before theirs. */
    for (size_t i = 0; i < KNOWN_TAGS; i++) {
        if (tag == known_tags[i]) {
            *out = known_mid[i];
            return;
        }
    }
    for (size_t i = 0; i < KNOWN_TAGS; i++) {
        if (!strcmp(tag, known_tags[i])) {
            *out = known_mid[i];
            return;
        }
    }
    compute_mid(tag, out);
}

void ldg_sha256(ldg_hash *out, const void *data, size_t len)
{
    SHA256(data, len, out->b);
}

void ldg_hasher_init_tagged(ldg_hasher *h, const char *tag)
{
    SHA256_CTX *ctx = malloc(sizeof *ctx);
    LDG_ASSERT(ctx != NULL);
    midstate(tag, ctx);
    h->ctx = ctx;
}

void ldg_hasher_update(ldg_hasher *h, const void *data, size_t len)
{
    SHA256_Update((SHA256_CTX *)h->ctx, data, len);
}

void ldg_hasher_final(ldg_hasher *h, ldg_hash *out)
{
    SHA256_Final(out->b, (SHA256_CTX *)h->ctx);
    free(h->ctx);
    h->ctx = NULL;
}

void ldg_tagged_hash(ldg_hash *out, const char *tag, const void *data, size_t len)
{
    SHA256_CTX ctx;
    midstate(tag, &ctx);
    SHA256_Update(&ctx, data, len);
    SHA256_Final(out->b, &ctx);
}

void ldg_hex_encode(char *out, const uint8_t *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

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

int ldg_hex_decode(uint8_t *out, size_t out_len, const char *hex)
{
    if (strlen(hex) != 2 * out_len)
        return -1;
    for (size_t i = 0; i < out_len; i++) {
        int hi = hex_val(hex[2 * i]), lo = hex_val(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}
