/* Shared helpers for the Check suites: seeded RNG (FOLIO_TEST_SEED, printed), temporary
 * directories, deterministic keys and transaction building. Header-only; every function is
 * static so each suite links its own copy and unused ones cost nothing. */
#ifndef FOLIO_TESTLIB_H
#define FOLIO_TESTLIB_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <check.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ldg_chain.h"
#include "ldg_codec.h"
#include "ldg_hash.h"
#include "ldg_key.h"
#include "ldg_tx.h"

#define TL_UNUSED __attribute__((unused))

/* The example transaction of specs/encoding.md section 4.5 (179 bytes), as hex, signed for
 * the chain of the example genesis below (TL_SPEC_GENESIS_HASH_HEX). */
static TL_UNUSED const char TL_SPEC_WIRE_HEX[] =
    "929701aa666f6c696f2d746573740bc42079be667ef9dcbbac55a06295ce870b"
    "07029bfcdb2dce28d959f2815b16f81798c4107a8b8d7f393b56ca464a3e24d7"
    "465325cf0000018bcfe5680093ac434e4531303030303032393664c41476fc4a"
    "b91eb53ea0c91c8e5782731cb2f2cdbbacc440b72c9b2538614c8bd628ddbb3e"
    "f839d7fe955279a7636f80fffe5c4a1a6df152660391d8a464ecf6dd2282de09"
    "4a4d87113b2b0bba078c8023bb1646239e6cf9";

/* That example's genesis document: chain "folio-test", time 1700000000000, validator and
 * participant "operator" (roles 513) the key x(G); and its hash TH("folio/genesis", doc). */
static TL_UNUSED const char TL_SPEC_GENESIS_HEX[] =
    "94aa666f6c696f2d74657374cf0000018bcfe5680091c42079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28"
    "d959f2815b16f817989193a86f70657261746f72cd0201c42079be667ef9dcbbac55a06295ce870b07029bfcdb2dce"
    "28d959f2815b16f81798";
static TL_UNUSED const char TL_SPEC_GENESIS_HASH_HEX[] =
    "a7c98a87708ef6d49bb096a60be7ad32a1847fb7f751c6271cf433e76c2569a2";

/* A genesis with one validator and n participants (names[i], roles[i], keys[i]). */
static TL_UNUSED void tl_genesis(ldg_genesis *g, const char *chain, uint64_t time_ms,
                                 const ldg_keypair *validator, uint32_t n, const char *const *names,
                                 const uint32_t *roles, const ldg_keypair *const *keys)
{
    memset(g, 0, sizeof *g);
    snprintf(g->chain_id, sizeof g->chain_id, "%s", chain);
    g->time_ms = time_ms;
    g->validator_count = 1;
    g->validators[0] = validator->pub;
    for (uint32_t i = 0; i < n; i++) {
        snprintf(g->participants[i].name, sizeof g->participants[i].name, "%s", names[i]);
        g->participants[i].roles = roles[i];
        g->participants[i].key = keys[i]->pub;
    }
    g->participant_count = n;
}

/* The commit certificate of header h by a one-validator set: its PRECOMMIT in round 0. */
static TL_UNUSED void tl_cert_one(ldg_cert *cert, const ldg_header *h, const ldg_keypair *validator)
{
    ck_assert_int_eq(ldg_cert_sign_one(cert, h, 0, validator), LDG_OK);
}

/* ---- seeded randomness ---- */

/* The suite's seed: FOLIO_TEST_SEED if set, else `fallback`; printed either way so a
 * failing run can be replayed. */
static TL_UNUSED uint64_t tl_seed(const char *suite, uint64_t fallback)
{
    const char *env = getenv("FOLIO_TEST_SEED");
    uint64_t seed = env && *env ? strtoull(env, NULL, 0) : fallback;
    printf("%s: seed=0x%" PRIx64 " (replay with FOLIO_TEST_SEED=0x%" PRIx64 ")\n", suite, seed,
           seed);
    fflush(stdout);
    return seed;
}

typedef struct tl_rng {
    uint64_t s;
} tl_rng;

static TL_UNUSED void tl_rng_init(tl_rng *r, uint64_t seed)
{
    r->s = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

/* splitmix64: good enough mixing for tests, and any seed (even 0) is fine. */
static TL_UNUSED uint64_t tl_rng_next(tl_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform-enough value in [0, n); n > 0. */
static TL_UNUSED uint64_t tl_rng_below(tl_rng *r, uint64_t n)
{
    return tl_rng_next(r) % n;
}

static TL_UNUSED void tl_rng_bytes(tl_rng *r, void *out, size_t n)
{
    uint8_t *p = out;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)tl_rng_next(r);
}

/* ---- temporary directories ---- */

/* Creates a fresh directory under $TMPDIR (or /tmp); aborts the test on failure. */
static TL_UNUSED void tl_tmpdir(char out[PATH_MAX], const char *tag)
{
    const char *base = getenv("TMPDIR");
    snprintf(out, PATH_MAX, "%s/folio-%s-XXXXXX", base && *base ? base : "/tmp", tag);
    ck_assert_msg(mkdtemp(out) != NULL, "mkdtemp %s failed", out);
}

static int tl_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Removes a directory tree (best effort). */
static TL_UNUSED void tl_rmrf(const char *path)
{
    nftw(path, tl_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- keys ---- */

/* A deterministic key per index: the secret is SHA-256("folio-test-key" || index). */
static TL_UNUSED void tl_key(ldg_keypair *kp, uint32_t index)
{
    for (uint32_t salt = 0;; salt++) {
        uint8_t in[24] = "folio-test-key";
        memcpy(in + 14, &index, 4);
        memcpy(in + 18, &salt, 4);
        ldg_hash h;
        ldg_sha256(&h, in, sizeof in);
        if (ldg_keypair_from_secret(kp, h.b) == LDG_OK)
            return;
    }
}

static TL_UNUSED ldg_account tl_account(const ldg_keypair *kp)
{
    ldg_account a;
    ldg_account_of(&a, &kp->pub);
    return a;
}

/* ---- transactions ---- */

/* The genesis hash that transactions of tests without a chain sign (nothing verifies
 * them against a chain's). */
static TL_UNUSED const ldg_hash TL_NO_GENESIS = {{0}};

/* Builds a transaction signed for the chain (chain_id, genesis hash) with a deterministic
 * nonce from payload+expiry, so two calls with equal arguments give the same id; the
 * payload is the encoder's bytes. Caller frees. */
static TL_UNUSED uint8_t *tl_tx_build(size_t *len, ldg_hash *id, const char *chain_id,
                                      const ldg_hash *genesis, uint64_t type, const ldg_keypair *kp,
                                      uint64_t expiry_ms, const ldg_enc *payload)
{
    uint8_t *w = ldg_tx_build(len, id, chain_id, genesis, type, kp, expiry_ms,
                              ldg_enc_data(payload), ldg_enc_len(payload), true);
    ck_assert_ptr_nonnull(w);
    return w;
}

/* Same with a random nonce: distinct ids for equal payloads. */
static TL_UNUSED uint8_t *tl_tx_build_fresh(size_t *len, ldg_hash *id, const char *chain_id,
                                            const ldg_hash *genesis, uint64_t type,
                                            const ldg_keypair *kp, uint64_t expiry_ms,
                                            const ldg_enc *payload)
{
    uint8_t *w = ldg_tx_build(len, id, chain_id, genesis, type, kp, expiry_ms,
                              ldg_enc_data(payload), ldg_enc_len(payload), false);
    ck_assert_ptr_nonnull(w);
    return w;
}

/* Runs a suite and returns the process exit status. */
static TL_UNUSED int tl_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
