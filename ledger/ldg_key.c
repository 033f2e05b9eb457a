#include "ldg_key.h"

#include <pthread.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>

/* One libsecp256k1 context per process, created once and then only read: libsecp256k1
 * contexts are safe to share between threads for signing and verification once they are
 * no longer modified (randomisation happens here, before first use). */
static secp256k1_context *secp_ctx;
static pthread_once_t secp_once = PTHREAD_ONCE_INIT;

static void secp_init(void)
{
    secp_ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    LDG_ASSERT(secp_ctx != NULL);
    uint8_t seed[32];
    LDG_ASSERT(ldg_random(seed, sizeof seed) == LDG_OK);
    LDG_ASSERT(secp256k1_context_randomize(secp_ctx, seed) == 1);
}

static const secp256k1_context *ctx(void)
{
    pthread_once(&secp_once, secp_init);
    return secp_ctx;
}

ldg_err ldg_random(void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0)
            return LDG_ERR_IO;
        p += n;
        len -= (size_t)n;
    }
    return LDG_OK;
}

ldg_err ldg_keypair_from_secret(ldg_keypair *out, const uint8_t secret[LDG_SECKEY_LEN])
{
    secp256k1_keypair kp;
    secp256k1_xonly_pubkey xpk;
    if (!secp256k1_keypair_create(ctx(), &kp, secret))
        return LDG_ERR_CRYPTO;
    LDG_ASSERT(secp256k1_keypair_xonly_pub(ctx(), &xpk, NULL, &kp) == 1);
    LDG_ASSERT(secp256k1_xonly_pubkey_serialize(ctx(), out->pub.b, &xpk) == 1);
    memcpy(out->secret, secret, LDG_SECKEY_LEN);
    return LDG_OK;
}

ldg_err ldg_keypair_generate(ldg_keypair *out)
{
    for (int tries = 0; tries < 8; tries++) {
        uint8_t secret[LDG_SECKEY_LEN];
        if (ldg_random(secret, sizeof secret) != LDG_OK)
            return LDG_ERR_IO;
        if (ldg_keypair_from_secret(out, secret) == LDG_OK)
            return LDG_OK;
    }
    return LDG_ERR_CRYPTO;
}

static ldg_err sign_with_aux(ldg_sig *out, const ldg_keypair *kp, const ldg_hash *msg,
                             const uint8_t aux[32])
{
    secp256k1_keypair k;
    if (!secp256k1_keypair_create(ctx(), &k, kp->secret))
        return LDG_ERR_CRYPTO;
    if (!secp256k1_schnorrsig_sign32(ctx(), out->b, msg->b, &k, aux))
        return LDG_ERR_CRYPTO;
    return LDG_OK;
}

ldg_err ldg_sign(ldg_sig *out, const ldg_keypair *kp, const ldg_hash *msg)
{
    uint8_t aux[32];
    if (ldg_random(aux, sizeof aux) != LDG_OK)
        return LDG_ERR_IO;
    return sign_with_aux(out, kp, msg, aux);
}

ldg_err ldg_sign_deterministic(ldg_sig *out, const ldg_keypair *kp, const ldg_hash *msg)
{
    static const uint8_t zero[32];
    return sign_with_aux(out, kp, msg, zero);
}

/* Relaxed: a count for /metrics, ordered with nothing. */
static _Atomic uint64_t verifications;

uint64_t ldg_verify_count(void)
{
    return atomic_load_explicit(&verifications, memory_order_relaxed);
}

bool ldg_verify(const ldg_sig *sig, const ldg_hash *msg, const ldg_pubkey *pub)
{
    atomic_fetch_add_explicit(&verifications, 1, memory_order_relaxed);
    secp256k1_xonly_pubkey xpk;
    if (!secp256k1_xonly_pubkey_parse(ctx(), &xpk, pub->b))
        return false;
    return secp256k1_schnorrsig_verify(ctx(), sig->b, msg->b, 32, &xpk) == 1;
}

_Static_assert(sizeof(ldg_pubkey_point) == sizeof(secp256k1_xonly_pubkey),
               "ldg_pubkey_point holds a secp256k1_xonly_pubkey");

bool ldg_pubkey_lift(ldg_pubkey_point *out, const ldg_pubkey *pub)
{
    secp256k1_xonly_pubkey xpk;
    if (!secp256k1_xonly_pubkey_parse(ctx(), &xpk, pub->b))
        return false;
    memcpy(out->opaque, &xpk, sizeof xpk);
    return true;
}

bool ldg_verify_point(const ldg_sig *sig, const ldg_hash *msg, const ldg_pubkey_point *pub)
{
    atomic_fetch_add_explicit(&verifications, 1, memory_order_relaxed);
    secp256k1_xonly_pubkey xpk;
    memcpy(&xpk, pub->opaque, sizeof xpk);
    return secp256k1_schnorrsig_verify(ctx(), sig->b, msg->b, 32, &xpk) == 1;
}

bool ldg_pubkey_valid(const ldg_pubkey *pub)
{
    secp256k1_xonly_pubkey xpk;
    return secp256k1_xonly_pubkey_parse(ctx(), &xpk, pub->b) == 1;
}

void ldg_account_of(ldg_account *out, const ldg_pubkey *pub)
{
    ldg_hash h;
    ldg_tagged_hash(&h, LDG_TAG_ACCOUNT, pub->b, sizeof pub->b);
    memcpy(out->b, h.b, LDG_ACCOUNT_LEN);
}

void ldg_account_hex(char out[LDG_ACCOUNT_HEX_LEN], const ldg_account *a)
{
    ldg_hex_encode(out, a->b, LDG_ACCOUNT_LEN);
}

int ldg_account_parse(ldg_account *out, const char *hex)
{
    return ldg_hex_decode(out->b, LDG_ACCOUNT_LEN, hex);
}
