/* Shared by the consensus suites (test_consensus.c, test_consensus_sim.c): fake crypto for
 * the core. A signature is a keyed checksum of the sign bytes under the signer's public
 * key: cheap, deterministic, and verifiable from the public key alone. Header-only, static
 * functions. */
#ifndef CONS_TESTKIT_H
#define CONS_TESTKIT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../../net/net_consensus.h"

/* The signing context handed to the core: just the signer's public key. */
typedef struct cons_key {
    uint8_t pubkey[NET_CONS_PUBKEY_LEN];
} cons_key;

static void fake_sig(uint8_t sig[NET_CONS_SIG_LEN], const uint8_t *pub, const uint8_t *msg,
                     size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < NET_CONS_PUBKEY_LEN; i++)
        h = (h ^ pub[i]) * 0x100000001b3ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ msg[i]) * 0x100000001b3ull;
    for (size_t i = 0; i < NET_CONS_SIG_LEN; i++)
        sig[i] = (uint8_t)(h >> (8 * (i % 8))) ^ (uint8_t)i;
}

/* net_cons_crypto.sign: ctx is a cons_key. */
static bool fake_sign(void *ctx, uint8_t sig[NET_CONS_SIG_LEN], const uint8_t *msg, size_t len)
{
    fake_sig(sig, ((cons_key *)ctx)->pubkey, msg, len);
    return true;
}

/* net_cons_crypto.verify: ctx is unused. */
static bool fake_verify(void *ctx, const uint8_t pub[NET_CONS_PUBKEY_LEN], const uint8_t *msg,
                        size_t len, const uint8_t sig[NET_CONS_SIG_LEN])
{
    uint8_t want[NET_CONS_SIG_LEN];
    fake_sig(want, pub, msg, len);
    return memcmp(want, sig, NET_CONS_SIG_LEN) == 0;
}

#endif
