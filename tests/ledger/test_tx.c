/* Unit tests for ledger/ldg_tx: build/decode/verify, the id's independence from the
 * signature and the tx root's dependence on it (with the vector of specs/encoding.md
 * section 4.5), single-bit corruption anywhere, admission prechecks (chain id, expiry
 * window), the size limit, the version, and each malformed envelope shape. */
#include "testlib.h"

#include "ldg_block.h"
#include "ldg_exec.h"
#include "ldg_tx.h"

#define CHAIN "folio-test"
#define NOW_MS 1700000000000ULL
/* The genesis hash the transactions here are signed for (any 32 bytes will do). */
static const ldg_hash GENESIS = {{0x67, 0x65, 0x6e, 0x65, 0x73, 0x69, 0x73}};

static ldg_keypair kp;

static void setup(void)
{
    tl_key(&kp, 1);
}

static void payload_small(ldg_enc *e)
{
    ldg_enc_init(e);
    ldg_enc_array(e, 3);
    ldg_enc_str(e, "US0378331005");
    ldg_enc_u64(e, 42);
    ldg_enc_bin(e, "01234567890123456789", 20);
}

/* Encodes an envelope field by field (so tests can break any field), signing the body
 * with kp unless sig is given. */
typedef struct raw_tx {
    uint64_t version;
    const char *chain_id;
    size_t chain_len;
    uint64_t type;
    size_t sender_len, nonce_len, sig_len;
    bool payload_nil;
    uint32_t body_fields;
} raw_tx;

static uint8_t *build_raw(const raw_tx *r, size_t *len, ldg_hash *id_out)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_array(&e, r->body_fields);
    ldg_enc_u64(&e, r->version);
    ldg_enc_strn(&e, r->chain_id, r->chain_len);
    ldg_enc_u64(&e, r->type);
    uint8_t zeros[64] = {0};
    ldg_enc_bin(&e, r->sender_len == LDG_PUBKEY_LEN ? kp.pub.b : zeros, r->sender_len);
    ldg_enc_bin(&e, "nonce-nonce-nonce-nonce", r->nonce_len);
    ldg_enc_u64(&e, NOW_MS + 1000);
    if (r->body_fields > 6) {
        if (r->payload_nil) {
            ldg_enc_nil(&e);
        } else {
            ldg_enc_array(&e, 1);
            ldg_enc_u64(&e, 7);
        }
    }
    ldg_hash id;
    ldg_tagged_hash(&id, LDG_TAG_TX, ldg_enc_data(&e) + 1, ldg_enc_len(&e) - 1);
    ldg_sig sig;
    ck_assert_int_eq(ldg_sign_deterministic(&sig, &kp, &id), LDG_OK);
    ldg_enc_bin(&e, sig.b, r->sig_len);
    if (id_out)
        *id_out = id;
    return ldg_enc_take(&e, len);
}

static raw_tx good_raw(void)
{
    return (raw_tx){.version = LDG_TX_VERSION,
                    .chain_id = CHAIN,
                    .chain_len = strlen(CHAIN),
                    .type = 11,
                    .sender_len = LDG_PUBKEY_LEN,
                    .nonce_len = LDG_TX_NONCE_LEN,
                    .sig_len = LDG_SIG_LEN,
                    .body_fields = 7};
}

static ldg_result decode_raw(const raw_tx *r)
{
    size_t len;
    uint8_t *w = build_raw(r, &len, NULL);
    ldg_tx tx;
    ldg_result res = ldg_tx_decode(&tx, w, len);
    if (res == LDG_R_OK)
        ldg_tx_free(&tx);
    free(w);
    return res;
}

START_TEST(test_build_decode_verify)
{
    ldg_enc p;
    payload_small(&p);
    size_t len;
    ldg_hash id;
    uint8_t *w = tl_tx_build(&len, &id, CHAIN, &GENESIS, 11, &kp, NOW_MS + 5000, &p);
    ck_assert_uint_eq(w[0], 0x92);
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, w, len), LDG_R_OK);
    ck_assert_uint_eq(tx.version, LDG_TX_VERSION);
    ck_assert_str_eq(tx.chain_id, CHAIN);
    ck_assert_uint_eq(tx.type, 11);
    ck_assert_mem_eq(tx.sender.b, kp.pub.b, LDG_PUBKEY_LEN);
    ck_assert_uint_eq(tx.expiry_ms, NOW_MS + 5000);
    ck_assert_mem_eq(tx.id.b, id.b, LDG_HASH_LEN);
    ck_assert(ldg_tx_verify(&tx, &GENESIS));
    /* The payload is the very array given. */
    const msgpack_object *f;
    uint64_t q;
    ck_assert(ldg_obj_array(tx.payload, 3, &f));
    ck_assert(ldg_obj_u64(&f[1], &q) && q == 42);
    /* The id is tagged_hash("folio/tx", body bytes), body = wire minus array header and
     * signature trailer. */
    ldg_hash want;
    ldg_tagged_hash(&want, LDG_TAG_TX, w + 1, len - 1 - 2 - LDG_SIG_LEN);
    ck_assert_mem_eq(want.b, tx.id.b, LDG_HASH_LEN);
    ck_assert_int_eq(ldg_exec_precheck(&tx, CHAIN, NOW_MS), LDG_R_OK);
    ldg_tx_free(&tx);
    ldg_tx_free(&tx); /* idempotent */
    /* Deterministic builds are reproducible; fresh ones differ by nonce. */
    size_t len2;
    ldg_hash id2;
    uint8_t *w2 = tl_tx_build(&len2, &id2, CHAIN, &GENESIS, 11, &kp, NOW_MS + 5000, &p);
    ck_assert(len2 == len && memcmp(w2, w, len) == 0);
    free(w2);
    w2 = tl_tx_build_fresh(&len2, &id2, CHAIN, &GENESIS, 11, &kp, NOW_MS + 5000, &p);
    ck_assert(memcmp(id2.b, id.b, LDG_HASH_LEN) != 0);
    ck_assert_int_eq(ldg_tx_decode(&tx, w2, len2), LDG_R_OK);
    ck_assert(ldg_tx_verify(&tx, &GENESIS));
    ldg_tx_free(&tx);
    free(w2);
    free(w);
    ldg_enc_free(&p);
}
END_TEST

START_TEST(test_id_excludes_signature)
{
    ldg_enc p;
    payload_small(&p);
    size_t len;
    ldg_hash id;
    uint8_t *w = tl_tx_build(&len, &id, CHAIN, &GENESIS, 11, &kp, NOW_MS + 5000, &p);
    /* Re-sign the same id with fresh randomness: other signature bytes, same id, valid. */
    ldg_sig sig;
    ldg_hash msg;
    ldg_tx_sign_msg(&msg, &GENESIS, &id);
    ck_assert_int_eq(ldg_sign(&sig, &kp, &msg), LDG_OK);
    ck_assert(memcmp(sig.b, w + len - LDG_SIG_LEN, LDG_SIG_LEN) != 0);
    memcpy(w + len - LDG_SIG_LEN, sig.b, LDG_SIG_LEN);
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, w, len), LDG_R_OK);
    ck_assert_mem_eq(tx.id.b, id.b, LDG_HASH_LEN);
    ck_assert(ldg_tx_verify(&tx, &GENESIS));
    ldg_tx_free(&tx);
    /* A signature by another key: same id, does not verify. */
    ldg_keypair other;
    tl_key(&other, 2);
    ck_assert_int_eq(ldg_sign(&sig, &other, &msg), LDG_OK);
    memcpy(w + len - LDG_SIG_LEN, sig.b, LDG_SIG_LEN);
    ck_assert_int_eq(ldg_tx_decode(&tx, w, len), LDG_R_OK);
    ck_assert_mem_eq(tx.id.b, id.b, LDG_HASH_LEN);
    ck_assert(!ldg_tx_verify(&tx, &GENESIS));
    ldg_tx_free(&tx);
    free(w);
    ldg_enc_free(&p);
}
END_TEST

static void hex_hash(ldg_hash *out, const char *hex)
{
    ck_assert_int_eq(ldg_hex_decode(out->b, LDG_HASH_LEN, hex), 0);
}

/* specs/encoding.md 4.5: the example genesis hashes to the spec's value (checked with
 * Python hashlib); the example transaction verifies for that genesis and for no other, even
 * of the same chain id; the deterministic builder reproduces it byte for byte; the signed
 * message is the spec's TH("folio/txsig", genesis_hash || id). */
START_TEST(test_spec_example_binds_genesis)
{
    uint8_t gbytes[sizeof TL_SPEC_GENESIS_HEX / 2];
    ck_assert_int_eq(ldg_hex_decode(gbytes, sizeof gbytes, TL_SPEC_GENESIS_HEX), 0);
    ldg_genesis g;
    ck_assert_int_eq(ldg_genesis_decode(&g, gbytes, sizeof gbytes), LDG_OK);
    ldg_hash gh, want;
    ldg_genesis_hash(&gh, &g);
    hex_hash(&want, TL_SPEC_GENESIS_HASH_HEX);
    ck_assert_mem_eq(gh.b, want.b, LDG_HASH_LEN);
    ldg_genesis_hash_bytes(&gh, gbytes, sizeof gbytes);
    ck_assert_mem_eq(gh.b, want.b, LDG_HASH_LEN);

    uint8_t w[179];
    ck_assert_int_eq(ldg_hex_decode(w, sizeof w, TL_SPEC_WIRE_HEX), 0);
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, w, sizeof w), LDG_R_OK);
    ck_assert(ldg_tx_verify(&tx, &gh));
    ldg_hash msg;
    ldg_tx_sign_msg(&msg, &gh, &tx.id);
    hex_hash(&want, "4d1648d8d736cf0465012b79e0e77999cb0ca292f8449046f767faf909246b72");
    ck_assert_mem_eq(msg.b, want.b, LDG_HASH_LEN);
    ck_assert(!ldg_verify(&tx.sig, &tx.id, &tx.sender)); /* the bare id is not what is signed */
    ldg_genesis twin = g;                                /* same chain id, another chain */
    twin.time_ms++;
    ldg_hash other;
    ldg_genesis_hash(&other, &twin);
    ck_assert(!ldg_tx_verify(&tx, &other));
    ldg_tx_free(&tx);

    uint8_t s1[32] = {0}, s2[32] = {0};
    s1[31] = 1, s2[31] = 2;
    ldg_keypair k1, k2;
    ck_assert_int_eq(ldg_keypair_from_secret(&k1, s1), LDG_OK);
    ck_assert_int_eq(ldg_keypair_from_secret(&k2, s2), LDG_OK);
    ldg_account to;
    ldg_account_of(&to, &k2.pub);
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 3);
    ldg_enc_str(&p, "CNE100000296");
    ldg_enc_u64(&p, 100);
    ldg_enc_bin(&p, to.b, LDG_ACCOUNT_LEN);
    size_t len;
    uint8_t *built = ldg_tx_build(&len, NULL, "folio-test", &gh, 11, &k1, 1700000000000ULL,
                                  ldg_enc_data(&p), ldg_enc_len(&p), true);
    ck_assert_uint_eq(len, sizeof w);
    ck_assert_mem_eq(built, w, sizeof w);
    free(built);
    ldg_enc_free(&p);
}
END_TEST

/* The tx root covers each transaction's id and signature: the spec's values, and a
 * re-signed copy (same id, other valid signature) gives another root. */
START_TEST(test_tx_root_covers_signature)
{
    uint8_t w[179];
    ck_assert_int_eq(ldg_hex_decode(w, sizeof w, TL_SPEC_WIRE_HEX), 0);
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, w, sizeof w), LDG_R_OK);
    ldg_tx_ref ref = ldg_tx_ref_of(&tx);
    ldg_hash want, root;
    hex_hash(&want, "84b79c59daa81f628ca158612896d05a5ae8b782d988abc9cf247761f3681807");
    ck_assert_mem_eq(ref.id.b, want.b, LDG_HASH_LEN);
    ck_assert_mem_eq(ref.sig.b, w + sizeof w - LDG_SIG_LEN, LDG_SIG_LEN);
    ldg_sig sig;
    ldg_tx_wire_sig(&sig, w, sizeof w);
    ck_assert_mem_eq(sig.b, ref.sig.b, LDG_SIG_LEN);
    ldg_tx_free(&tx);
    /* TH("folio/txroot", "") and TH("folio/txroot", id || sig), computed with hashlib. */
    ldg_tx_root(&root, NULL, 0);
    hex_hash(&want, "477efacae83d4a1c4ece7991e3c065f644c02265690fd20afcad260055140c62");
    ck_assert_mem_eq(root.b, want.b, LDG_HASH_LEN);
    ldg_tx_root(&root, &ref, 1);
    hex_hash(&want, "d22d3f94c28cbab24afcdb3c254625c456b55961d6a2c0e72bcc5337f414aae8");
    ck_assert_mem_eq(root.b, want.b, LDG_HASH_LEN);
    const uint8_t *txs[2] = {w, w};
    size_t lens[2] = {sizeof w, sizeof w};
    ldg_hash from_wire;
    ck_assert(ldg_tx_root_wire(&from_wire, txs, lens, 1));
    ck_assert_mem_eq(from_wire.b, want.b, LDG_HASH_LEN);

    /* Two copies of one transaction, the second re-signed: same ids, other roots. */
    ldg_enc p;
    payload_small(&p);
    size_t len;
    ldg_hash id;
    uint8_t *a = tl_tx_build(&len, &id, CHAIN, &GENESIS, 11, &kp, NOW_MS + 5000, &p);
    uint8_t *b = malloc(len);
    memcpy(b, a, len);
    ldg_hash msg;
    ldg_tx_sign_msg(&msg, &GENESIS, &id);
    ck_assert_int_eq(ldg_sign(&sig, &kp, &msg), LDG_OK);
    memcpy(b + len - LDG_SIG_LEN, sig.b, LDG_SIG_LEN);
    ck_assert(memcmp(a, b, len) != 0);
    ldg_tx ta, tb;
    ck_assert_int_eq(ldg_tx_decode(&ta, a, len), LDG_R_OK);
    ck_assert_int_eq(ldg_tx_decode(&tb, b, len), LDG_R_OK);
    ck_assert_mem_eq(ta.id.b, tb.id.b, LDG_HASH_LEN);
    ck_assert(ldg_tx_verify(&ta, &GENESIS) && ldg_tx_verify(&tb, &GENESIS));
    ldg_tx_ref ra = ldg_tx_ref_of(&ta), rb = ldg_tx_ref_of(&tb);
    ldg_hash root_a, root_b;
    ldg_tx_root(&root_a, &ra, 1);
    ldg_tx_root(&root_b, &rb, 1);
    ck_assert(memcmp(root_a.b, root_b.b, LDG_HASH_LEN) != 0);
    /* Also in a longer block, and from the wire bytes alike. */
    ldg_tx_ref two_a[2] = {ref, ra}, two_b[2] = {ref, rb};
    ldg_tx_root(&root_a, two_a, 2);
    ldg_tx_root(&root_b, two_b, 2);
    ck_assert(memcmp(root_a.b, root_b.b, LDG_HASH_LEN) != 0);
    txs[1] = b;
    lens[1] = len;
    ck_assert(ldg_tx_root_wire(&from_wire, txs, lens, 2));
    ck_assert_mem_eq(from_wire.b, root_b.b, LDG_HASH_LEN);
    /* Bytes that do not decode have no root. */
    lens[1] = len - 1;
    ck_assert(!ldg_tx_root_wire(&from_wire, txs, lens, 2));
    ldg_tx_free(&ta);
    ldg_tx_free(&tb);
    free(a);
    free(b);
    ldg_enc_free(&p);
}
END_TEST

START_TEST(test_every_bit_flip)
{
    ldg_enc p;
    payload_small(&p);
    size_t len;
    ldg_hash id;
    uint8_t *w = tl_tx_build(&len, &id, CHAIN, &GENESIS, 11, &kp, NOW_MS + 5000, &p);
    size_t decoded = 0;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t *c = malloc(len);
            memcpy(c, w, len);
            c[i] ^= (uint8_t)(1u << bit);
            ldg_tx tx;
            ldg_result r = ldg_tx_decode(&tx, c, len);
            if (r == LDG_R_OK) {
                decoded++;
                ck_assert_msg(!ldg_tx_verify(&tx, &GENESIS),
                              "flip of byte %zu bit %d still verifies", i, bit);
                /* Only the signature may change without changing the id. */
                if (memcmp(tx.id.b, id.b, LDG_HASH_LEN) == 0)
                    ck_assert_uint_ge(i, len - LDG_SIG_LEN);
                ldg_tx_free(&tx);
            } else {
                /* BAD_TEXT: a flip inside the chain id or a payload string */
                ck_assert(r == LDG_R_MALFORMED || r == LDG_R_BAD_VERSION || r == LDG_R_BAD_TEXT);
            }
            free(c);
        }
    }
    /* Sanity: most flips land in data bytes (keys, nonce, signature) and still decode. */
    ck_assert_uint_gt(decoded, len * 4);
    free(w);
    ldg_enc_free(&p);
}
END_TEST

START_TEST(test_precheck)
{
    ldg_enc p;
    payload_small(&p);
    size_t len;
    uint8_t *w = tl_tx_build(&len, NULL, CHAIN, &GENESIS, 11, &kp, NOW_MS, &p);
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, w, len), LDG_R_OK);
    ck_assert_int_eq(ldg_exec_precheck(&tx, "folio-other", NOW_MS), LDG_R_WRONG_CHAIN);
    ck_assert_int_eq(ldg_exec_precheck(&tx, "folio-tes", NOW_MS), LDG_R_WRONG_CHAIN);
    ck_assert_int_eq(ldg_exec_precheck(&tx, "folio-test2", NOW_MS), LDG_R_WRONG_CHAIN);
    /* Chain id is checked first, even for an expired transaction. */
    ck_assert_int_eq(ldg_exec_precheck(&tx, "x", NOW_MS + 1), LDG_R_WRONG_CHAIN);
    ck_assert_int_eq(ldg_exec_precheck(&tx, CHAIN, NOW_MS), LDG_R_OK); /* expiry == now */
    ck_assert_int_eq(ldg_exec_precheck(&tx, CHAIN, NOW_MS + 1), LDG_R_EXPIRED);
    ck_assert_int_eq(ldg_exec_precheck(&tx, CHAIN, UINT64_MAX), LDG_R_EXPIRED);
    ck_assert_int_eq(ldg_exec_precheck(&tx, CHAIN, NOW_MS - LDG_TX_TTL_MS_MAX), LDG_R_OK);
    ck_assert_int_eq(ldg_exec_precheck(&tx, CHAIN, NOW_MS - LDG_TX_TTL_MS_MAX - 1),
                     LDG_R_EXPIRY_TOO_FAR);
    ck_assert_int_eq(ldg_exec_precheck(&tx, CHAIN, 0), LDG_R_EXPIRY_TOO_FAR);
    ldg_tx_free(&tx);
    free(w);
    /* Expiry at UINT64_MAX is far in any window. */
    w = tl_tx_build(&len, NULL, CHAIN, &GENESIS, 11, &kp, UINT64_MAX, &p);
    ck_assert_int_eq(ldg_tx_decode(&tx, w, len), LDG_R_OK);
    ck_assert_int_eq(ldg_exec_precheck(&tx, CHAIN, NOW_MS), LDG_R_EXPIRY_TOO_FAR);
    ldg_tx_free(&tx);
    free(w);
    ldg_enc_free(&p);
}
END_TEST

static uint8_t *build_with_blob(size_t blob_len, size_t *len)
{
    uint8_t *blob = calloc(1, blob_len);
    ldg_enc p;
    ldg_enc_init(&p);
    ldg_enc_array(&p, 1);
    ldg_enc_bin(&p, blob, blob_len);
    uint8_t *w = tl_tx_build(len, NULL, CHAIN, &GENESIS, 11, &kp, NOW_MS, &p);
    ldg_enc_free(&p);
    free(blob);
    return w;
}

START_TEST(test_size_limit)
{
    size_t len;
    uint8_t *w = build_with_blob(60000, &len);
    size_t overhead = len - 60000;
    free(w);
    /* Exactly at the limit decodes; one byte more is TOO_LARGE. */
    w = build_with_blob(LDG_TX_SIZE_MAX - overhead, &len);
    ck_assert_uint_eq(len, LDG_TX_SIZE_MAX);
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, w, len), LDG_R_OK);
    ck_assert(ldg_tx_verify(&tx, &GENESIS));
    ldg_tx_free(&tx);
    free(w);
    w = build_with_blob(LDG_TX_SIZE_MAX - overhead + 1, &len);
    ck_assert_uint_eq(len, LDG_TX_SIZE_MAX + 1);
    ck_assert_int_eq(ldg_tx_decode(&tx, w, len), LDG_R_TOO_LARGE);
    free(w);
    w = build_with_blob(2 * LDG_TX_SIZE_MAX, &len);
    ck_assert_int_eq(ldg_tx_decode(&tx, w, len), LDG_R_TOO_LARGE);
    free(w);
}
END_TEST

START_TEST(test_version)
{
    raw_tx r = good_raw();
    ck_assert_int_eq(decode_raw(&r), LDG_R_OK);
    r.version = 2;
    ck_assert_int_eq(decode_raw(&r), LDG_R_BAD_VERSION);
    r.version = 0;
    ck_assert_int_eq(decode_raw(&r), LDG_R_BAD_VERSION);
    r.version = UINT64_MAX;
    ck_assert_int_eq(decode_raw(&r), LDG_R_BAD_VERSION);
}
END_TEST

/* A string that is not UTF-8 (RFC 3629), anywhere in the transaction, is BAD_TEXT: the codec
 * refuses it, so it is never admitted and never stored (issue 12 item 2). Checked before the
 * version, like every decoding rule. */
START_TEST(test_bad_text)
{
    static const char *const bad[] = {"x\xed\xa0\x80", "\xe0\x80\x80", "\xf4\x90\x80\x80", "a\xc3"};
    for (size_t i = 0; i < LDG_ARRAY_LEN(bad); i++) {
        raw_tx r = good_raw();
        r.chain_id = bad[i];
        r.chain_len = strlen(bad[i]);
        ck_assert_int_eq(decode_raw(&r), LDG_R_BAD_TEXT);
        r.version = 2;
        ck_assert_int_eq(decode_raw(&r), LDG_R_BAD_TEXT);
        /* in the payload: an equity issue's name */
        ldg_enc p;
        ldg_enc_init(&p);
        ldg_enc_array(&p, 2);
        ldg_enc_str(&p, "US0378331005");
        ldg_enc_str(&p, bad[i]);
        size_t len;
        ldg_hash id;
        uint8_t *w = tl_tx_build(&len, &id, CHAIN, &GENESIS, 10, &kp, NOW_MS + 5000, &p);
        ldg_enc_free(&p);
        ldg_tx tx;
        ck_assert_int_eq(ldg_tx_decode(&tx, w, len), LDG_R_BAD_TEXT);
        free(w);
    }
    ck_assert_str_eq(ldg_result_name(LDG_R_BAD_TEXT), "BAD_TEXT");
}
END_TEST

START_TEST(test_malformed_shapes)
{
    raw_tx r = good_raw();
    r.body_fields = 6; /* payload missing */
    ck_assert_int_eq(decode_raw(&r), LDG_R_MALFORMED);
    r = good_raw();
    r.payload_nil = true; /* payload must be an array */
    ck_assert_int_eq(decode_raw(&r), LDG_R_MALFORMED);
    r = good_raw();
    r.sender_len = 31;
    ck_assert_int_eq(decode_raw(&r), LDG_R_MALFORMED);
    r = good_raw();
    r.sender_len = 33;
    ck_assert_int_eq(decode_raw(&r), LDG_R_MALFORMED);
    r = good_raw();
    r.nonce_len = LDG_TX_NONCE_LEN - 1;
    ck_assert_int_eq(decode_raw(&r), LDG_R_MALFORMED);
    r = good_raw();
    r.sig_len = LDG_SIG_LEN - 1;
    ck_assert_int_eq(decode_raw(&r), LDG_R_MALFORMED);
    r = good_raw();
    r.chain_len = 0; /* empty chain id */
    ck_assert_int_eq(decode_raw(&r), LDG_R_MALFORMED);
    r = good_raw();
    r.chain_id = "0123456789abcdef0123456789abcdefX"; /* 33 bytes */
    r.chain_len = 33;
    ck_assert_int_eq(decode_raw(&r), LDG_R_MALFORMED);
    r.chain_len = 32; /* exactly the maximum */
    ck_assert_int_eq(decode_raw(&r), LDG_R_OK);
    r.chain_id = "bad\nchain";
    r.chain_len = 9;
    ck_assert_int_eq(decode_raw(&r), LDG_R_MALFORMED);

    ldg_tx tx;
    const uint8_t tiny[] = {0x92, 0x90, 0x90};
    ck_assert_int_eq(ldg_tx_decode(&tx, tiny, sizeof tiny), LDG_R_MALFORMED);
    ck_assert_int_eq(ldg_tx_decode(&tx, tiny, 0), LDG_R_MALFORMED);
    /* A valid transaction inside another array is not a transaction. */
    ldg_enc p;
    payload_small(&p);
    size_t len;
    uint8_t *w = tl_tx_build(&len, NULL, CHAIN, &GENESIS, 11, &kp, NOW_MS, &p);
    uint8_t *wrapped = malloc(len + 1);
    wrapped[0] = 0x91;
    memcpy(wrapped + 1, w, len);
    ck_assert_int_eq(ldg_tx_decode(&tx, wrapped, len + 1), LDG_R_MALFORMED);
    /* Trailing byte, truncation. */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, w, len);
    longer[len] = 0;
    ck_assert_int_eq(ldg_tx_decode(&tx, longer, len + 1), LDG_R_MALFORMED);
    for (size_t cut = 0; cut < len; cut++)
        ck_assert_int_eq(ldg_tx_decode(&tx, w, cut), LDG_R_MALFORMED);
    free(longer);
    free(wrapped);
    free(w);
    ldg_enc_free(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tx");
    TCase *tc = tcase_create("tx");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_build_decode_verify);
    tcase_add_test(tc, test_id_excludes_signature);
    tcase_add_test(tc, test_spec_example_binds_genesis);
    tcase_add_test(tc, test_tx_root_covers_signature);
    tcase_add_test(tc, test_every_bit_flip);
    tcase_add_test(tc, test_precheck);
    tcase_add_test(tc, test_size_limit);
    tcase_add_test(tc, test_version);
    tcase_add_test(tc, test_malformed_shapes);
    tcase_add_test(tc, test_bad_text);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
