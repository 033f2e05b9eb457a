/* The p2p codec (net_p2p.h): round trips of every message kind, the size and count
 * limits, garbage and mutations rejected without crashing; the batch digest covers the
 * transactions' signatures (with a vector computed independently); the certificate's vote
 * hash equals the consensus core's signed digest; record decoding for block sync; the TLS
 * certificates of `testnet init` chain to their CA. */
#include "testlib.h"

#include "net_consensus.h"
#include "net_p2p.h"
#include "net_sync.h"
#include "net_tls.h"

#include <nng/protocol/bus0/bus.h>
#include <nng/supplemental/tls/tls.h>
#include <stdatomic.h>
#include <stdint.h>

static const char *CHAIN = "folio-test";

static net_cons_msg vote(uint8_t type, bool has_block, uint16_t v, uint32_t round)
{
    net_cons_msg m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.has_block = has_block;
    m.validator = v;
    m.round = round;
    m.valid_round = -1;
    m.height = 42;
    if (has_block)
        memset(m.block.b, 0xab, sizeof m.block.b);
    memset(m.sig, 0x5c, sizeof m.sig);
    return m;
}

/* The id and signature of wire bytes. */
static ldg_tx_ref ref_of(const uint8_t *wire, size_t len)
{
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, wire, len), LDG_R_OK);
    ldg_tx_ref r = ldg_tx_ref_of(&tx);
    ldg_tx_free(&tx);
    return r;
}

/* A header over n fresh transactions; wires returned in txs/lens (caller frees). */
static ldg_header make_block(uint32_t n, uint8_t **txs, size_t *lens)
{
    ldg_keypair kp;
    tl_key(&kp, 1);
    ldg_tx_ref refs[16];
    ck_assert_uint_le(n, 16);
    for (uint32_t i = 0; i < n; i++) {
        ldg_enc p;
        ldg_enc_init(&p);
        ldg_enc_array(&p, 1);
        ldg_enc_u64(&p, i);
        txs[i] =
            tl_tx_build_fresh(&lens[i], NULL, CHAIN, &TL_NO_GENESIS, 1, &kp, 4102444800000ull, &p);
        refs[i] = ref_of(txs[i], lens[i]);
        ldg_enc_free(&p);
    }
    ldg_header h;
    memset(&h, 0, sizeof h);
    h.version = LDG_BLOCK_VERSION;
    snprintf(h.chain_id, sizeof h.chain_id, "%s", CHAIN);
    h.height = 42;
    h.time_ms = 1700000000000ull;
    ldg_tx_root(&h.tx_root, refs, n);
    h.tx_count = n;
    h.proposer = kp.pub;
    return h;
}

START_TEST(vote_round_trip)
{
    for (int k = 0; k < 3; k++) {
        net_cons_msg m = vote(k == 0 ? NET_CONS_PREVOTE : NET_CONS_PRECOMMIT, k != 2, 3, 7);
        ldg_enc e;
        ldg_enc_init(&e);
        net_p2p_enc_cons(&e, &m, NULL, NULL, 0);
        ck_assert_uint_le(ldg_enc_len(&e), NET_P2P_VOTE_SIZE_MAX);
        net_p2p_msg d;
        ck_assert_int_eq(
            net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), NET_P2P_VOTE_SIZE_MAX), LDG_OK);
        ck_assert_int_eq(d.kind, NET_P2P_CONS);
        ck_assert(net_cons_msg_same_content(&d.cons, &m));
        ck_assert_mem_eq(d.cons.sig, m.sig, NET_CONS_SIG_LEN);
        ck_assert(!d.has_block);
        net_p2p_msg_free(&d);
        /* The same bytes over a smaller limit: refused as too large. */
        ck_assert_int_eq(net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), ldg_enc_len(&e) - 1),
                         LDG_ERR_TOO_LARGE);
        ldg_enc_free(&e);
    }
}
END_TEST

START_TEST(proposal_carries_header_and_digests)
{
    uint8_t *txs[3];
    size_t lens[3];
    ldg_header h = make_block(3, txs, lens);
    ldg_hash hh, dg[2];
    ldg_header_hash(&hh, &h);
    memset(dg[0].b, 1, 32);
    memset(dg[1].b, 2, 32);
    net_cons_msg m = vote(NET_CONS_PROPOSAL, true, 1, 2);
    m.valid_round = 1;
    memcpy(m.block.b, hh.b, 32);
    ldg_enc e;
    ldg_enc_init(&e);
    net_p2p_enc_cons(&e, &m, &h, dg, 2);
    net_p2p_msg d;
    ck_assert_int_eq(net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), NET_P2P_CONS_SIZE_MAX),
                     LDG_OK);
    ck_assert(d.has_block);
    ck_assert_int_eq(d.cons.valid_round, 1);
    ck_assert_uint_eq(d.header.tx_count, 3);
    ck_assert_uint_eq(d.digest_count, 2);
    ck_assert_mem_eq(d.digests[1], dg[1].b, 32);
    net_p2p_msg_free(&d);
    ldg_enc_free(&e);

    /* A header that does not hash to the signed block id is refused. */
    m.block.b[0] ^= 1;
    ldg_enc_init(&e);
    net_p2p_enc_cons(&e, &m, &h, dg, 2);
    ck_assert_int_eq(net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), NET_P2P_CONS_SIZE_MAX),
                     LDG_ERR_DECODE);
    ldg_enc_free(&e);
    m.block.b[0] ^= 1;
    /* More batches than transactions: refused. */
    ldg_hash many[4];
    memset(many, 3, sizeof many);
    ldg_enc_init(&e);
    net_p2p_enc_cons(&e, &m, &h, many, 4);
    ck_assert_int_eq(net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), NET_P2P_CONS_SIZE_MAX),
                     LDG_ERR_DECODE);
    ldg_enc_free(&e);
    /* A vote never carries a block. */
    net_cons_msg pv = vote(NET_CONS_PREVOTE, true, 1, 2);
    pv.block = m.block;
    ldg_enc_init(&e);
    net_p2p_enc_cons(&e, &pv, &h, dg, 2);
    ck_assert_int_eq(net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), NET_P2P_CONS_SIZE_MAX),
                     LDG_ERR_DECODE);
    ldg_enc_free(&e);
    for (int i = 0; i < 3; i++)
        free(txs[i]);
}
END_TEST

START_TEST(batch_fetch_round_trip)
{
    uint8_t *txs[2];
    size_t lens[2];
    ldg_hash d;
    ldg_tx_ref refs[2];
    make_block(2, txs, lens);
    for (int i = 0; i < 2; i++)
        refs[i] = ref_of(txs[i], lens[i]);
    net_p2p_batch_digest(&d, refs, 2);
    ldg_enc e;
    ldg_enc_init(&e);
    net_p2p_enc_batch_req(&e, &d);
    net_p2p_msg m;
    ck_assert_int_eq(
        net_p2p_decode(&m, ldg_enc_data(&e), ldg_enc_len(&e), NET_P2P_SYNC_REQ_SIZE_MAX), LDG_OK);
    ck_assert_int_eq(m.kind, NET_P2P_BATCH_REQ);
    ck_assert_mem_eq(m.digest.b, d.b, 32);
    net_p2p_msg_free(&m);
    ldg_enc_reset(&e);
    net_p2p_enc_batch_rep(&e, &d, (const uint8_t *const *)txs, lens, 2);
    ck_assert_int_eq(net_p2p_decode(&m, ldg_enc_data(&e), ldg_enc_len(&e), NET_P2P_BATCH_SIZE_MAX),
                     LDG_OK);
    ck_assert_int_eq(m.kind, NET_P2P_BATCH_REP);
    ck_assert_uint_eq(m.tx_count, 2);
    ck_assert_mem_eq(m.txs[0], txs[0], lens[0]);
    net_p2p_msg_free(&m);
    /* Unknown batch: an empty list. */
    ldg_enc_reset(&e);
    net_p2p_enc_batch_rep(&e, &d, NULL, NULL, 0);
    ck_assert_int_eq(net_p2p_decode(&m, ldg_enc_data(&e), ldg_enc_len(&e), 1024), LDG_OK);
    ck_assert_uint_eq(m.tx_count, 0);
    net_p2p_msg_free(&m);
    ldg_enc_free(&e);
    free(txs[0]);
    free(txs[1]);
}
END_TEST

/* batch_digest = TH("folio/batch", id_0 || sig_0 || ...): the values of specs/consensus.md
 * section 14 (computed with Python hashlib), and batches of the same ids with other
 * signatures have other digests. */
START_TEST(batch_digest_covers_signatures)
{
    uint8_t w[179];
    ck_assert_int_eq(ldg_hex_decode(w, sizeof w, TL_SPEC_WIRE_HEX), 0);
    ldg_tx_ref r = ref_of(w, sizeof w);
    ldg_hash d, want;
    net_p2p_batch_digest(&d, &r, 1);
    ck_assert_int_eq(
        ldg_hex_decode(want.b, 32,
                       "576832b13d5e9d06df8ac693c5d000bd34e247fa00bfe0343d25a23ed0ed8608"),
        0);
    ck_assert_mem_eq(d.b, want.b, 32);
    net_p2p_batch_digest(&d, NULL, 0);
    ck_assert_int_eq(
        ldg_hex_decode(want.b, 32,
                       "cc3963b887ff6def6847e7d94090d48a5e3ee4d286dc253e1acd0286737b9b69"),
        0);
    ck_assert_mem_eq(d.b, want.b, 32);

    /* Same ids, one signature changed (a flipped bit, or a valid re-signature). */
    uint8_t *txs[2];
    size_t lens[2];
    make_block(2, txs, lens);
    ldg_tx_ref refs[2] = {ref_of(txs[0], lens[0]), ref_of(txs[1], lens[1])};
    ldg_hash a, b;
    net_p2p_batch_digest(&a, refs, 2);
    ldg_keypair kp;
    tl_key(&kp, 1);
    ck_assert_int_eq(ldg_sign(&refs[1].sig, &kp, &refs[1].id), LDG_OK);
    net_p2p_batch_digest(&b, refs, 2);
    ck_assert(memcmp(a.b, b.b, 32) != 0);
    refs[1] = ref_of(txs[1], lens[1]);
    refs[1].sig.b[63] ^= 1;
    net_p2p_batch_digest(&b, refs, 2);
    ck_assert(memcmp(a.b, b.b, 32) != 0);
    free(txs[0]);
    free(txs[1]);
}
END_TEST

/* Field domains: each mutation of a good vote must be refused. */
START_TEST(cons_fields_out_of_domain)
{
    net_cons_msg bad[6];
    for (int i = 0; i < 6; i++)
        bad[i] = vote(NET_CONS_PREVOTE, true, 0, 3);
    bad[0].type = 0;
    bad[1].type = 4;
    bad[2].validator = NET_CONS_VALIDATORS_MAX;
    bad[3].valid_round = 0;   /* votes have valid_round -1 */
    bad[4].has_block = false; /* nil vote with a non-zero block id */
    bad[5].type = NET_CONS_PROPOSAL;
    bad[5].valid_round = 3; /* valid_round must be below round */
    for (int i = 0; i < 6; i++) {
        ldg_enc e;
        ldg_enc_init(&e);
        net_p2p_enc_cons(&e, &bad[i], NULL, NULL, 0);
        net_p2p_msg d;
        ck_assert_msg(net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), 4096) == LDG_ERR_DECODE,
                      "case %d accepted", i);
        ldg_enc_free(&e);
    }
}
END_TEST

START_TEST(batch_limits)
{
    uint8_t *txs[2];
    size_t lens[2];
    make_block(2, txs, lens);
    ldg_enc e;
    ldg_enc_init(&e);
    net_p2p_enc_batch(&e, 2, (const uint8_t *const *)txs, lens, 2);
    net_p2p_msg d;
    ck_assert_int_eq(net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), NET_P2P_BATCH_SIZE_MAX),
                     LDG_OK);
    ck_assert_int_eq(d.kind, NET_P2P_BATCH);
    ck_assert_uint_eq(d.origin, 2);
    ck_assert_uint_eq(d.tx_count, 2);
    ck_assert_mem_eq(d.txs[1], txs[1], lens[1]);
    net_p2p_msg_free(&d);
    ldg_enc_free(&e);

    /* One transaction more than the count limit. */
    uint32_t n = NET_P2P_BATCH_TX_MAX + 1;
    const uint8_t **many = malloc(n * sizeof *many);
    size_t *ml = malloc(n * sizeof *ml);
    for (uint32_t i = 0; i < n; i++) {
        many[i] = txs[0];
        ml[i] = lens[0];
    }
    ldg_enc_init(&e);
    net_p2p_enc_batch(&e, 0, many, ml, n);
    ck_assert_int_eq(net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), 64 << 20),
                     LDG_ERR_DECODE);
    ldg_enc_free(&e);
    /* Over the byte limit in total (each item within the tx limit). */
    uint8_t *big = calloc(1, LDG_TX_SIZE_MAX);
    uint32_t k = NET_P2P_BATCH_SIZE_MAX / LDG_TX_SIZE_MAX + 1;
    for (uint32_t i = 0; i < k; i++) {
        many[i] = big;
        ml[i] = LDG_TX_SIZE_MAX;
    }
    ldg_enc_init(&e);
    net_p2p_enc_batch(&e, 0, many, ml, k);
    ck_assert_int_eq(net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), 64 << 20),
                     LDG_ERR_DECODE);
    ldg_enc_free(&e);
    /* One item over the transaction size limit. */
    uint8_t *huge = calloc(1, LDG_TX_SIZE_MAX + 1);
    many[0] = huge;
    ml[0] = LDG_TX_SIZE_MAX + 1;
    ldg_enc_init(&e);
    net_p2p_enc_batch(&e, 0, many, ml, 1);
    ck_assert_int_eq(net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), 64 << 20),
                     LDG_ERR_DECODE);
    ldg_enc_free(&e);
    /* An empty item. */
    ml[0] = 0;
    ldg_enc_init(&e);
    net_p2p_enc_batch(&e, 0, many, ml, 1);
    ck_assert_int_eq(net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), 64 << 20),
                     LDG_ERR_DECODE);
    ldg_enc_free(&e);
    free(huge);
    free(big);
    free(many);
    free(ml);
    free(txs[0]);
    free(txs[1]);
}
END_TEST

START_TEST(sync_and_commit_round_trip)
{
    ldg_enc e;
    ldg_enc_init(&e);
    net_p2p_enc_sync_req(&e, 17, 16);
    net_p2p_msg d;
    ck_assert_int_eq(
        net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), NET_P2P_SYNC_REQ_SIZE_MAX), LDG_OK);
    ck_assert_uint_eq(d.from_height, 17);
    ck_assert_uint_eq(d.max_blocks, 16);
    net_p2p_msg_free(&d);
    uint64_t bad[][2] = {{0, 1}, {1, 0}, {1, NET_P2P_SYNC_BLOCKS_MAX + 1}};
    for (int i = 0; i < 3; i++) {
        ldg_enc_reset(&e);
        net_p2p_enc_sync_req(&e, bad[i][0], bad[i][1]);
        ck_assert_int_eq(net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), 64), LDG_ERR_DECODE);
    }
    ldg_enc_reset(&e);
    net_p2p_enc_sync_rep_head(&e, 99, 2);
    ldg_enc_bin(&e, "abc", 3);
    ldg_enc_bin(&e, "de", 2);
    ck_assert_int_eq(net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), NET_P2P_SYNC_SIZE_MAX),
                     LDG_OK);
    ck_assert_uint_eq(d.tip_height, 99);
    ck_assert_uint_eq(d.rec_count, 2);
    ck_assert_mem_eq(d.recs[1], "de", 2);
    net_p2p_msg_free(&d);
    ldg_enc_reset(&e);
    net_p2p_enc_commit(&e, (const uint8_t *)"record", 6);
    ck_assert_int_eq(net_p2p_decode(&d, ldg_enc_data(&e), ldg_enc_len(&e), 1024), LDG_OK);
    ck_assert_int_eq(d.kind, NET_P2P_COMMIT);
    ck_assert_uint_eq(d.rec_lens[0], 6);
    net_p2p_msg_free(&d);
    /* Records that are not block records are refused by the sync decoder. */
    net_sync_block b;
    ck_assert_int_ne(net_sync_decode(&b, (const uint8_t *)"record", 6), LDG_OK);
    ldg_enc_free(&e);
}
END_TEST

/* Random bytes, truncations and bit flips of good messages: never a crash, never
 * accepted when malformed (decoding may accept a flip that keeps the form valid). */
START_TEST(garbage_rejected)
{
    tl_rng r;
    tl_rng_init(&r, tl_seed("p2p_garbage", 0x2bb2));
    uint8_t buf[600];
    for (int i = 0; i < 20000; i++) {
        size_t n = tl_rng_below(&r, sizeof buf);
        tl_rng_bytes(&r, buf, n);
        if (n && tl_rng_below(&r, 2))
            buf[0] = (uint8_t)(0x90 + tl_rng_below(&r, 12)); /* look like an array */
        net_p2p_msg d;
        if (net_p2p_decode(&d, buf, n, sizeof buf) == LDG_OK)
            net_p2p_msg_free(&d);
    }
    uint8_t *txs[2];
    size_t lens[2];
    ldg_header h = make_block(2, txs, lens);
    ldg_hash hh;
    ldg_header_hash(&hh, &h);
    net_cons_msg m = vote(NET_CONS_PROPOSAL, true, 1, 2);
    memcpy(m.block.b, hh.b, 32);
    ldg_hash dg[2];
    memset(dg, 7, sizeof dg);
    ldg_enc e;
    ldg_enc_init(&e);
    net_p2p_enc_cons(&e, &m, &h, dg, 2);
    size_t len = ldg_enc_len(&e);
    uint8_t *copy = malloc(len);
    for (size_t cut = 0; cut < len; cut++) {
        net_p2p_msg d;
        ck_assert_int_ne(net_p2p_decode(&d, ldg_enc_data(&e), cut, NET_P2P_CONS_SIZE_MAX), LDG_OK);
    }
    for (int i = 0; i < 5000; i++) {
        memcpy(copy, ldg_enc_data(&e), len);
        copy[tl_rng_below(&r, len)] ^= (uint8_t)(1u << tl_rng_below(&r, 8));
        net_p2p_msg d;
        if (net_p2p_decode(&d, copy, len, NET_P2P_CONS_SIZE_MAX) == LDG_OK) {
            /* Accepted only if still self-consistent: its header hashes to its block id. */
            ldg_hash x;
            ldg_header_hash(&x, &d.header);
            ck_assert_mem_eq(x.b, d.cons.block.b, 32);
            net_p2p_msg_free(&d);
        }
    }
    free(copy);
    ldg_enc_free(&e);
    free(txs[0]);
    free(txs[1]);
}
END_TEST

/* Certificates hold the core's precommit signatures: same digest both ways. */
START_TEST(vote_hash_is_core_digest)
{
    for (int nil = 0; nil < 2; nil++) {
        net_cons_msg m = vote(NET_CONS_PRECOMMIT, !nil, 2, 5);
        uint8_t sb[NET_CONS_SIGN_BYTES_MAX];
        size_t n = net_cons_sign_bytes(sb, (const uint8_t *)CHAIN, strlen(CHAIN), &m);
        ldg_hash a, b, blk;
        net_cons_digest(&a, sb, n);
        memcpy(blk.b, m.block.b, 32);
        ldg_vote_hash(&b, CHAIN, m.height, m.round, LDG_VOTE_PRECOMMIT, nil ? NULL : &blk);
        ck_assert_mem_eq(a.b, b.b, 32);
        uint8_t lb[LDG_VOTE_SIGN_BYTES_MAX];
        size_t ln = ldg_vote_sign_bytes(lb, CHAIN, m.height, m.round, LDG_VOTE_PRECOMMIT,
                                        nil ? NULL : &blk, -1);
        ck_assert_uint_eq(ln, n);
        ck_assert_mem_eq(lb, sb, n);
    }
    /* A certificate of core-signed precommits verifies. */
    ldg_keypair kp[4];
    ldg_pubkey pub[4];
    ldg_cert cert;
    memset(&cert, 0, sizeof cert);
    cert.height = 42;
    cert.round = 5;
    memset(cert.block_hash.b, 0xab, 32);
    for (uint32_t i = 0; i < 4; i++) {
        tl_key(&kp[i], 10 + i);
        pub[i] = kp[i].pub;
    }
    for (uint32_t i = 0; i < 3; i++) {
        net_cons_msg m = vote(NET_CONS_PRECOMMIT, true, (uint16_t)i, 5);
        uint8_t sb[NET_CONS_SIGN_BYTES_MAX];
        size_t n = net_cons_sign_bytes(sb, (const uint8_t *)CHAIN, strlen(CHAIN), &m);
        ldg_hash d;
        net_cons_digest(&d, sb, n);
        cert.sigs[i].validator = i;
        ck_assert_int_eq(ldg_sign(&cert.sigs[i].sig, &kp[i], &d), LDG_OK);
    }
    cert.count = 2;
    ck_assert(!ldg_cert_verify(&cert, CHAIN, pub, 4)); /* 2 of 4 is not a quorum */
    cert.count = 3;
    ck_assert(ldg_cert_verify(&cert, CHAIN, pub, 4));
    cert.round = 4;
    ck_assert(!ldg_cert_verify(&cert, CHAIN, pub, 4));
}
END_TEST

START_TEST(tls_certificates_chain_to_ca)
{
    char dir[PATH_MAX], p[6][PATH_MAX + 32], err[256];
    tl_tmpdir(dir, "p2p-tls");
    const char *names[6] = {"ca.crt", "ca.key", "n.crt", "n.key", "ca2.crt", "ca2.key"};
    for (int i = 0; i < 6; i++)
        snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
    ck_assert_int_eq(net_tls_make_ca(p[0], p[1], "test CA", err, sizeof err), LDG_OK);
    ck_assert_int_eq(net_tls_make_ca(p[4], p[5], "other CA", err, sizeof err), LDG_OK);
    ck_assert_int_eq(net_tls_make_cert(p[0], p[1], p[2], p[3], NET_TLS_ROLE_OBSERVER, "node",
                                       "127.0.0.1", err, sizeof err),
                     LDG_OK);
    ck_assert(net_tls_cert_check(p[0], p[2]));
    ck_assert(!net_tls_cert_check(p[4], p[2]));
    char u[300];
    ck_assert(net_p2p_url(u, sizeof u, "127.0.0.1:26600", NET_P2P_PORT_SYNC, true));
    ck_assert_str_eq(u, "tls+tcp://127.0.0.1:26602");
    ck_assert(!net_p2p_url(u, sizeof u, "no-port", 0, false));
    ck_assert(!net_p2p_url(u, sizeof u, "h:99999", 0, false));
    tl_rmrf(dir);
}
END_TEST

static _Atomic uint32_t seen_pipe[2];

static void note_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    (void)ev;
    atomic_store(&seen_pipe[(intptr_t)arg], (uint32_t)nng_pipe_id(p));
}

/* Each end of a TLS connection reads the other's certificate (net_tls_pipe_peer, through
 * the mbedTLS shim of net_tls.c): its role, its name and the fingerprint that revocation
 * lists use; a revocation file names it. */
START_TEST(tls_pipe_peer_identity)
{
    char dir[PATH_MAX], p[7][PATH_MAX + 32], err[256];
    tl_tmpdir(dir, "p2p-peer");
    const char *names[7] = {"ca.crt", "ca.key", "v.crt", "v.key", "o.crt", "o.key", "revoked"};
    for (int i = 0; i < 7; i++)
        snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
    const char *vkey = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    ck_assert_int_eq(net_tls_make_ca(p[0], p[1], "test CA", err, sizeof err), LDG_OK);
    ck_assert_int_eq(net_tls_make_cert(p[0], p[1], p[2], p[3], NET_TLS_ROLE_VALIDATOR, vkey,
                                       "127.0.0.1", err, sizeof err),
                     LDG_OK);
    ck_assert_int_eq(net_tls_make_cert(p[0], p[1], p[4], p[5], NET_TLS_ROLE_OBSERVER, "obs-1",
                                       "127.0.0.1", err, sizeof err),
                     LDG_OK);
    uint8_t vfp[32], ofp[32];
    char role[NET_TLS_NAME_MAX + 1], cn[NET_TLS_NAME_MAX + 1];
    ck_assert_int_eq(net_tls_cert_info(p[2], vfp, role, cn), LDG_OK);
    ck_assert_str_eq(role, NET_TLS_ROLE_VALIDATOR);
    ck_assert_str_eq(cn, vkey);
    ck_assert_int_eq(net_tls_cert_info(p[4], ofp, role, cn), LDG_OK);

    nng_socket l, d;
    nng_tls_config *sc, *cc;
    ck_assert_int_eq(nng_bus0_open(&l), 0);
    ck_assert_int_eq(nng_bus0_open(&d), 0);
    nng_pipe_notify(l, NNG_PIPE_EV_ADD_POST, note_pipe, (void *)0);
    nng_pipe_notify(d, NNG_PIPE_EV_ADD_POST, note_pipe, (void *)1);
    ck_assert_int_eq(net_tls_nng_config(&sc, true, p[0], p[2], p[3], NULL, err, sizeof err), 0);
    ck_assert_int_eq(net_tls_nng_config(&cc, false, p[0], p[4], p[5], "127.0.0.1", err, sizeof err),
                     0);
    char url[64];
    snprintf(url, sizeof url, "tls+tcp://127.0.0.1:%d", 30000 + (int)(getpid() % 2000));
    nng_listener li;
    nng_dialer di;
    ck_assert_int_eq(nng_listener_create(&li, l, url), 0);
    ck_assert_int_eq(nng_listener_set_ptr(li, NNG_OPT_TLS_CONFIG, sc), 0);
    ck_assert_int_eq(nng_listener_start(li, 0), 0);
    ck_assert_int_eq(nng_dialer_create(&di, d, url), 0);
    ck_assert_int_eq(nng_dialer_set_ptr(di, NNG_OPT_TLS_CONFIG, cc), 0);
    ck_assert_int_eq(nng_dialer_start(di, 0), 0);
    for (int i = 0; i < 500 && !(atomic_load(&seen_pipe[0]) && atomic_load(&seen_pipe[1])); i++)
        usleep(10000);
    net_tls_peer who;
    ck_assert(net_tls_pipe_peer(atomic_load(&seen_pipe[0]), &who)); /* the listener sees: */
    ck_assert_str_eq(who.role, NET_TLS_ROLE_OBSERVER);
    ck_assert_str_eq(who.cn, "obs-1");
    ck_assert_mem_eq(who.fp, ofp, 32);
    ck_assert(net_tls_pipe_peer(atomic_load(&seen_pipe[1]), &who)); /* the dialer sees: */
    ck_assert_str_eq(who.role, NET_TLS_ROLE_VALIDATOR);
    ck_assert_str_eq(who.cn, vkey);
    ck_assert_mem_eq(who.fp, vfp, 32);
    ck_assert(!net_tls_pipe_peer(123456, &who)); /* no such pipe */
    nng_close(d);
    nng_close(l);
    nng_tls_config_free(sc);
    nng_tls_config_free(cc);

    ck_assert(!net_tls_revoked(p[6], ofp)); /* no file: nothing revoked */
    FILE *f = fopen(p[6], "w");
    char hex[65];
    ldg_hex_encode(hex, ofp, 32);
    fprintf(f, "# revoked members\n  %s  # obs-1, key lost\n", hex);
    fclose(f);
    ck_assert(net_tls_revoked(p[6], ofp));
    ck_assert(!net_tls_revoked(p[6], vfp));
    tl_rmrf(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("p2p");
    TCase *tc = tcase_create("codec");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, vote_round_trip);
    tcase_add_test(tc, proposal_carries_header_and_digests);
    tcase_add_test(tc, batch_fetch_round_trip);
    tcase_add_test(tc, batch_digest_covers_signatures);
    tcase_add_test(tc, cons_fields_out_of_domain);
    tcase_add_test(tc, batch_limits);
    tcase_add_test(tc, sync_and_commit_round_trip);
    tcase_add_test(tc, garbage_rejected);
    tcase_add_test(tc, vote_hash_is_core_digest);
    tcase_add_test(tc, tls_certificates_chain_to_ca);
    tcase_add_test(tc, tls_pipe_peer_identity);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
