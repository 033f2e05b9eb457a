#include "ldg_hash.h"
#include "ldg_assert.h"

#include <openssl/evp.h>
#include <string.h>

void ldg_sha256(ldg_hash *out, const void *data, size_t len)
{
    unsigned int n = 0;
    int ok = EVP_Digest(data, len, out->b, &n, EVP_sha256(), NULL);
    LDG_ASSERT(ok == 1 && n == LDG_HASH_LEN);
}

void ldg_hasher_init_tagged(ldg_hasher *h, const char *tag)
{
    ldg_hash th;
    ldg_sha256(&th, tag, strlen(tag));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    LDG_ASSERT(ctx != NULL);
    LDG_ASSERT(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1);
    EVP_DigestUpdate(ctx, th.b, sizeof th.b);
    EVP_DigestUpdate(ctx, th.b, sizeof th.b);
    h->ctx = ctx;
}

void ldg_hasher_update(ldg_hasher *h, const void *data, size_t len)
{
    LDG_ASSERT(EVP_DigestUpdate((EVP_MD_CTX *)h->ctx, data, len) == 1);
}

void ldg_hasher_final(ldg_hasher *h, ldg_hash *out)
{
    unsigned int n = 0;
    LDG_ASSERT(EVP_DigestFinal_ex((EVP_MD_CTX *)h->ctx, out->b, &n) == 1 && n == LDG_HASH_LEN);
    EVP_MD_CTX_free((EVP_MD_CTX *)h->ctx);
    h->ctx = NULL;
}

void ldg_tagged_hash(ldg_hash *out, const char *tag, const void *data, size_t len)
{
    ldg_hasher h;
    ldg_hasher_init_tagged(&h, tag);
    ldg_hasher_update(&h, data, len);
    ldg_hasher_final(&h, out);
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
