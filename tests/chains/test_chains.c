/* The sub-chain registry (specs/chains.md): committee actions, checkpoint verification and
 * refusals (each a precise code, nothing changed), equivocation freezing with evidence, the
 * STALE hook, validator-set changes. Committee actions run their handlers with the committee
 * role, as the governance module does when a proposal passes. */
#include "chains/chn_testkit.h"
#include "testlib.h"

static tk_main M;
static tk_sub S;
static ldg_enc H;
#define T0 1700000000000ULL
#define PERIOD 10000ULL

static void setup(void)
{
    tk_main_init(&M);
    tk_sub_init(&S, "sub-sec", 4, 1);
    ldg_enc_init(&H);
    ck_assert_int_eq(tk_create(&M, "sec", &S, PERIOD), LDG_R_OK);
}

static void teardown(void)
{
    ldg_enc_free(&H);
    tk_main_free(&M);
}

/* The stored record's bytes (for "nothing changed"). */
static size_t rec_bytes(const char *id, uint8_t *out)
{
    uint8_t k[CHN_KEY_RECORD_LEN];
    chn_record_key(k, id);
    const uint8_t *v;
    size_t vl;
    bool found;
    ck_assert_int_eq(ldg_state_get(M.st, k, sizeof k, &v, &vl, &found), LDG_OK);
    if (!found)
        return 0;
    ck_assert_uint_le(vl, 16384);
    memcpy(out, v, vl);
    return vl;
}

/* Advances S by k blocks and relays its tip signed by mask. */
static ldg_result anchor(uint64_t k, uint64_t mask, ldg_receipt *rc)
{
    tk_advance(&S, k, 1000, &H);
    ldg_cert c;
    tk_cert(&c, &S, S.keys, S.n, S.height, ldg_enc_data(&H), ldg_enc_len(&H), mask);
    return tk_checkpoint(&M, "sec", &H, &c, rc);
}

START_TEST(create_and_anchor)
{
    chn_record r = tk_record(&M, "sec");
    ck_assert_uint_eq(r.status, CHN_ACTIVE);
    ck_assert_str_eq(r.chain_id, "sub-sec");
    ck_assert_uint_eq(r.set.count, 4);
    ck_assert_uint_eq(r.deadline_ms, T0 + PERIOD);
    ldg_receipt rc;
    ck_assert_int_eq(anchor(5, 0x7, &rc), LDG_R_OK); /* 3 of 4: the quorum */
    ck_assert_uint_eq(rc.data[0], 1);
    r = tk_record(&M, "sec");
    ck_assert_uint_eq(r.last_height, 5);
    ck_assert_uint_eq(r.signer_count, 3);
    ck_assert_uint_eq(r.signers[2], 2);
    ck_assert_mem_eq(r.last_hash.b, S.tip.b, LDG_HASH_LEN);
    ck_assert_uint_eq(r.anchored_height, M.env.height);
    uint8_t k[CHN_KEY_CHECKPOINT_LEN];
    chn_checkpoint_key(k, "sec", 5);
    const uint8_t *v;
    size_t vl;
    bool found;
    ck_assert_int_eq(ldg_state_get(M.st, k, sizeof k, &v, &vl, &found), LDG_OK);
    ck_assert(found);
}
END_TEST

START_TEST(create_refusals)
{
    tk_sub o;
    tk_sub_init(&o, "sub-other", 4, 2);
    ck_assert_int_eq(tk_create(&M, "sec", &o, PERIOD), CHN_R_EXISTS);    /* id taken */
    ck_assert_int_eq(tk_create(&M, "sec2", &S, PERIOD), CHN_R_EXISTS);   /* same genesis */
    ck_assert_int_eq(tk_create(&M, "Bad_Id", &o, PERIOD), CHN_R_BAD_ID); /* charset */
    ck_assert_int_eq(tk_create(&M, "o", &o, 10), CHN_R_BAD_PERIOD);      /* under 1 s */
    ck_assert_int_eq(tk_create(&M, "o", &o, 31ULL * 86400000), CHN_R_BAD_PERIOD);
    tk_sub dup = o;
    dup.keys[1] = dup.keys[0];
    ck_assert_int_eq(tk_create(&M, "o", &dup, PERIOD), CHN_R_BAD_VALSET);
    tk_sub mainid;
    tk_sub_init(&mainid, TK_MAIN_CHAIN, 4, 3);
    ck_assert_int_eq(tk_create(&M, "o", &mainid, PERIOD), CHN_R_WRONG_CHAIN);
    uint8_t buf[16384];
    ck_assert_uint_eq(rec_bytes("o", buf), 0); /* none of those registered anything */
    ck_assert_uint_eq(rec_bytes("sec2", buf), 0);
    /* An account that is not a participant */
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 7);
    ldg_enc_str(&e, "o");
    ldg_enc_str(&e, "evidence");
    ldg_enc_str(&e, o.chain_id);
    ldg_enc_bin(&e, o.genesis_hash.b, LDG_HASH_LEN);
    tk_enc_keys(&e, o.keys, o.n);
    ldg_enc_u64(&e, PERIOD);
    ldg_enc_bin(&e, (uint8_t[20]){7}, 20);
    ck_assert_int_eq(tk_committee(&M, CHN_TX_CREATE, &e, NULL, 0), LDG_R_UNKNOWN_ACCOUNT);
    ldg_enc_free(&e);
    /* Only the committee: a participant sending chain.create is refused by the executor. */
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_str(&e, "sec");
    ldg_receipt rc;
    ck_assert_int_eq(tk_exec(&M, CHN_TX_RETIRE, &e, &rc), LDG_R_UNAUTHORIZED);
    ldg_enc_free(&e);
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_ACTIVE);
}
END_TEST

/* Every bad checkpoint: its code, and the record exactly as before. */
START_TEST(checkpoint_refusals)
{
    ck_assert_int_eq(anchor(3, tk_all(4), NULL), LDG_R_OK);
    uint8_t before[16384], after[16384];
    size_t bl = rec_bytes("sec", before);
    tk_sub s2 = S;
    ldg_enc h;
    ldg_enc_init(&h);
    ldg_cert c;
    /* too few signers: 2 of 4 */
    tk_advance(&s2, 1, 1000, &h);
    tk_cert(&c, &s2, s2.keys, 4, s2.height, ldg_enc_data(&h), ldg_enc_len(&h), 0x3);
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h, &c, NULL), CHN_R_FEW_SIGNERS);
    /* wrong signers: 3 signatures by keys not in the set */
    ldg_keypair wrong[4];
    tk_keys(wrong, 4, 77);
    tk_cert(&c, &s2, wrong, 4, s2.height, ldg_enc_data(&h), ldg_enc_len(&h), 0x7);
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h, &c, NULL), CHN_R_BAD_SIGNER);
    /* a validator twice */
    tk_cert(&c, &s2, s2.keys, 4, s2.height, ldg_enc_data(&h), ldg_enc_len(&h), 0x7);
    c.sigs[2] = c.sigs[1];
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h, &c, NULL), CHN_R_BAD_SIGNER);
    /* an index outside the set */
    tk_cert(&c, &s2, s2.keys, 4, s2.height, ldg_enc_data(&h), ldg_enc_len(&h), 0x7);
    c.sigs[2].validator = 9;
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h, &c, NULL), CHN_R_BAD_SIGNER);
    /* a certificate of another block */
    tk_cert(&c, &s2, s2.keys, 4, s2.height, ldg_enc_data(&h), ldg_enc_len(&h), 0xf);
    c.block_hash.b[0] ^= 1;
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h, &c, NULL), CHN_R_CERT_BLOCK);
    /* unknown sub-chain */
    tk_cert(&c, &s2, s2.keys, 4, s2.height, ldg_enc_data(&h), ldg_enc_len(&h), 0xf);
    ck_assert_int_eq(tk_checkpoint(&M, "nope", &h, &c, NULL), CHN_R_UNKNOWN);
    ck_assert_int_eq(tk_checkpoint(&M, "No!", &h, &c, NULL), CHN_R_BAD_ID);
    ck_assert_int_eq(tk_checkpoint(&M, "an-id-of-17-char", &h, &c, NULL), CHN_R_UNKNOWN);
    ck_assert_int_eq(tk_checkpoint(&M, "an-id-of-17-chars", &h, &c, NULL), CHN_R_BAD_ID);
    /* for another chain: the same validators sign a header of another chain id */
    tk_sub other = s2;
    snprintf(other.chain_id, sizeof other.chain_id, "sub-evil");
    tk_header(&h, &other, s2.height, &S.tip, s2.time_ms, 0);
    tk_cert(&c, &other, other.keys, 4, s2.height, ldg_enc_data(&h), ldg_enc_len(&h), 0xf);
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h, &c, NULL), CHN_R_WRONG_CHAIN);
    /* backwards: height 2 < 3, nothing stored at 2 */
    tk_header(&h, &S, 2, &S.tip, S.time_ms, 0);
    tk_cert(&c, &S, S.keys, 4, 2, ldg_enc_data(&h), ldg_enc_len(&h), 0xf);
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h, &c, NULL), CHN_R_BACKWARDS);
    /* the same block again */
    tk_header(&h, &S, 3, &(ldg_hash){{0}}, 0, 0);
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &H, &c, NULL), CHN_R_CERT_BLOCK);
    tk_cert(&c, &S, S.keys, 4, 3, ldg_enc_data(&H), ldg_enc_len(&H), 0xe);
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &H, &c, NULL), CHN_R_DUPLICATE);
    /* height 0 and garbage headers */
    tk_header(&h, &S, 0, &S.tip, S.time_ms, 0);
    tk_cert(&c, &S, S.keys, 4, 0, ldg_enc_data(&h), ldg_enc_len(&h), 0xf);
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h, &c, NULL), CHN_R_BAD_HEADER);
    ldg_enc_reset(&h);
    ldg_enc_str(&h, "not a header");
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h, &c, NULL), CHN_R_BAD_HEADER);
    size_t al = rec_bytes("sec", after);
    ck_assert_uint_eq(al, bl);
    ck_assert_mem_eq(after, before, bl);
    ldg_enc_free(&h);
    /* and the good one still goes in */
    ck_assert_int_eq(anchor(1, 0xf, NULL), LDG_R_OK);
}
END_TEST

START_TEST(status_refusals)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_str(&e, "sec");
    ck_assert_int_eq(tk_committee(&M, CHN_TX_RESUME, &e, NULL, 0), CHN_R_BAD_STATUS);
    ck_assert_int_eq(tk_committee(&M, CHN_TX_UNFREEZE, &e, NULL, 0), CHN_R_BAD_STATUS);
    ck_assert_int_eq(tk_committee(&M, CHN_TX_PAUSE, &e, NULL, 0), LDG_R_OK);
    ck_assert_int_eq(anchor(1, 0xf, NULL), CHN_R_PAUSED);
    tk_block(&M, T0 + 5 * PERIOD); /* paused: never STALE */
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_PAUSED);
    ck_assert_int_eq(tk_committee(&M, CHN_TX_RESUME, &e, NULL, 0), LDG_R_OK);
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_ACTIVE);
    ck_assert_uint_eq(tk_record(&M, "sec").deadline_ms, T0 + 6 * PERIOD);
    ck_assert_int_eq(tk_committee(&M, CHN_TX_RETIRE, &e, NULL, 0), LDG_R_OK);
    ck_assert_int_eq(anchor(1, 0xf, NULL), CHN_R_RETIRED);
    ck_assert_int_eq(tk_committee(&M, CHN_TX_PAUSE, &e, NULL, 0), CHN_R_RETIRED);
    tk_block(&M, T0 + 9 * PERIOD);
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_RETIRED);
    ldg_enc_free(&e);
}
END_TEST

START_TEST(stale_by_main_time)
{
    ck_assert_int_eq(anchor(2, 0xf, NULL), LDG_R_OK); /* anchored at T0: deadline T0+P */
    ck_assert(!chn_work_due(M.st, T0 + PERIOD));
    tk_block(&M, T0 + PERIOD); /* at the deadline: not yet past it */
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_ACTIVE);
    ck_assert(chn_work_due(M.st, T0 + PERIOD + 1));
    tk_block(&M, T0 + PERIOD + 1);
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_STALE);
    ck_assert(!chn_work_due(M.st, T0 + 100 * PERIOD)); /* STALE is not queued */
    ck_assert_int_eq(anchor(2, 0xf, NULL), LDG_R_OK);  /* recovers */
    chn_record r = tk_record(&M, "sec");
    ck_assert_uint_eq(r.status, CHN_ACTIVE);
    ck_assert_uint_eq(r.deadline_ms, T0 + 2 * PERIOD + 1);
}
END_TEST

START_TEST(equivocation_same_height)
{
    ck_assert_int_eq(anchor(4, 0xf, NULL), LDG_R_OK);
    ldg_enc h;
    ldg_enc_init(&h);
    ldg_hash prev = S.tip; /* any prev: a second block at height 4 */
    tk_header(&h, &S, 4, &prev, S.time_ms, 9);
    ldg_cert c;
    tk_cert(&c, &S, S.keys, 4, 4, ldg_enc_data(&h), ldg_enc_len(&h), 0xe);
    ldg_receipt rc;
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h, &c, &rc), LDG_R_OK); /* evidence recorded */
    ck_assert_uint_eq(rc.data[0], 2);
    chn_record r = tk_record(&M, "sec");
    ck_assert_uint_eq(r.status, CHN_FROZEN);
    ck_assert_uint_eq(r.evidence_count, 1);
    ck_assert_uint_eq(r.last_height, 4); /* the first anchored block stays the last */
    uint8_t k[2 + CHN_ID_LEN_MAX + 4] = {CHN_KEY_NS, CHN_KEY_EVIDENCE, 's', 'e', 'c'};
    const uint8_t *v;
    size_t vl;
    bool found;
    ck_assert_int_eq(ldg_state_get(M.st, k, sizeof k, &v, &vl, &found), LDG_OK);
    ck_assert(found);
    ldg_dec d;
    ck_assert_int_eq(ldg_decode(&d, v, vl), LDG_OK);
    const msgpack_object *f;
    ck_assert(ldg_obj_array(d.root, 8, &f));
    const uint8_t *hb;
    size_t hl;
    ck_assert(ldg_obj_bin_ref(&f[5], 4096, &hb, &hl));
    ck_assert_uint_eq(hl, ldg_enc_len(&h));
    ck_assert_mem_eq(hb, ldg_enc_data(&h), hl);
    ldg_dec_free(&d);
    ck_assert(!chn_work_due(M.st, T0 + 100 * PERIOD)); /* frozen: not queued */
    ck_assert_int_eq(anchor(1, 0xf, NULL), CHN_R_FROZEN);
    /* the committee unfreezes it; anchoring resumes above the last height */
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_str(&e, "sec");
    ck_assert_int_eq(tk_committee(&M, CHN_TX_UNFREEZE, &e, NULL, 0), LDG_R_OK);
    ldg_enc_free(&e);
    ck_assert_int_eq(anchor(1, 0xf, NULL), LDG_R_OK);
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_ACTIVE);
    ldg_enc_free(&h);
}
END_TEST

START_TEST(equivocation_older_height_and_fork)
{
    ck_assert_int_eq(anchor(2, 0xf, NULL), LDG_R_OK); /* height 2 */
    ldg_enc h2;
    ldg_enc_init(&h2);
    ldg_enc_raw(&h2, ldg_enc_data(&H), ldg_enc_len(&H));
    ck_assert_int_eq(anchor(3, 0xf, NULL), LDG_R_OK); /* height 5 */
    /* a different block at the older anchored height 2 */
    ldg_enc h;
    ldg_enc_init(&h);
    tk_header(&h, &S, 2, &S.tip, 5, 3);
    ldg_cert c;
    tk_cert(&c, &S, S.keys, 4, 2, ldg_enc_data(&h), ldg_enc_len(&h), 0xf);
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h, &c, NULL), LDG_R_OK);
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_FROZEN);
    /* fork: a direct successor that does not extend the last anchored block */
    tk_main_free(&M);
    tk_main_init(&M);
    tk_sub_init(&S, "sub-sec", 4, 1);
    ck_assert_int_eq(tk_create(&M, "sec", &S, PERIOD), LDG_R_OK);
    ck_assert_int_eq(anchor(2, 0xf, NULL), LDG_R_OK);
    tk_header(&h, &S, 3, &(ldg_hash){{1}}, S.time_ms + 1, 0);
    tk_cert(&c, &S, S.keys, 4, 3, ldg_enc_data(&h), ldg_enc_len(&h), 0xf);
    ldg_receipt rc;
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h, &c, &rc), LDG_R_OK);
    ck_assert_uint_eq(rc.data[0], 2);
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_FROZEN);
    ldg_enc_free(&h);
    ldg_enc_free(&h2);
}
END_TEST

START_TEST(validator_set_change)
{
    ck_assert_int_eq(anchor(3, 0xf, NULL), LDG_R_OK);
    ldg_keypair nk[7];
    tk_keys(nk, 7, 55);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_str(&e, "sec");
    ldg_enc_u64(&e, 3); /* at or below the last anchored height: refused */
    tk_enc_keys(&e, nk, 7);
    ck_assert_int_eq(tk_committee(&M, CHN_TX_SET_VALIDATORS, &e, NULL, 0), CHN_R_BAD_VALSET);
    ldg_enc_reset(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_str(&e, "sec");
    ldg_enc_u64(&e, 10);
    tk_enc_keys(&e, nk, 7);
    ck_assert_int_eq(tk_committee(&M, CHN_TX_SET_VALIDATORS, &e, NULL, 0), LDG_R_OK);
    ldg_enc_free(&e);
    /* below 10 the old set signs */
    ck_assert_int_eq(anchor(2, 0xf, NULL), LDG_R_OK);
    /* at 10 the old set is refused, the new one accepted */
    tk_advance(&S, 5, 1000, &H);
    ldg_cert c;
    tk_cert(&c, &S, S.keys, 4, S.height, ldg_enc_data(&H), ldg_enc_len(&H), 0xf);
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &H, &c, NULL), CHN_R_FEW_SIGNERS);
    tk_cert(&c, &S, nk, 7, S.height, ldg_enc_data(&H), ldg_enc_len(&H), 0x1f); /* 5 of 7 */
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &H, &c, NULL), LDG_R_OK);
    chn_record r = tk_record(&M, "sec");
    ck_assert_uint_eq(r.set.count, 7);
    ck_assert_uint_eq(r.set.since, 10);
    ck_assert(!r.has_next);
    /* older than the set the registry keeps */
    ldg_enc h;
    ldg_enc_init(&h);
    tk_header(&h, &S, 9, &S.tip, 1, 0);
    tk_cert(&c, &S, S.keys, 4, 9, ldg_enc_data(&h), ldg_enc_len(&h), 0xf);
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h, &c, NULL), CHN_R_OLD_SET);
    ldg_enc_free(&h);
}
END_TEST

START_TEST(set_period)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "sec");
    ldg_enc_u64(&e, 500);
    ck_assert_int_eq(tk_committee(&M, CHN_TX_SET_PERIOD, &e, NULL, 0), CHN_R_BAD_PERIOD);
    ldg_enc_reset(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_str(&e, "sec");
    ldg_enc_u64(&e, 3 * PERIOD);
    ck_assert_int_eq(tk_committee(&M, CHN_TX_SET_PERIOD, &e, NULL, 0), LDG_R_OK);
    ldg_enc_free(&e);
    tk_block(&M, T0 + 2 * PERIOD);
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_ACTIVE);
    tk_block(&M, T0 + 3 * PERIOD + 1);
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_STALE);
}
END_TEST

/* Many deadlines in one block: at most CHN_STALE_PER_BLOCK marked, the rest next block. */
START_TEST(stale_bounded_per_block)
{
    uint32_t n = CHN_STALE_PER_BLOCK + 10;
    for (uint32_t i = 0; i < n; i++) {
        tk_sub s;
        char id[17], cid[33];
        snprintf(id, sizeof id, "s%u", i);
        snprintf(cid, sizeof cid, "sub-%u", i);
        tk_sub_init(&s, cid, 1, 1000 + i);
        ck_assert_int_eq(tk_create(&M, id, &s, PERIOD), LDG_R_OK);
    }
    tk_block(&M, T0 + PERIOD + 1);
    uint32_t stale = 0;
    for (uint32_t i = 0; i < n; i++) {
        char id[17];
        snprintf(id, sizeof id, "s%u", i);
        stale += tk_record(&M, id).status == CHN_STALE;
    }
    ck_assert_uint_eq(stale, CHN_STALE_PER_BLOCK);
    ck_assert(chn_work_due(M.st, T0 + PERIOD + 2));
    tk_block(&M, T0 + PERIOD + 2);
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_STALE);
    ck_assert(!chn_work_due(M.st, T0 + PERIOD + 3));
}
END_TEST

/* ---- signatures verified ahead of the block (specs/chains.md §8.1) ---- */

/* A checkpoint transaction, signed by the relayer, decoded into *tx (wire in *w). */

/* ---- duplicate-vote evidence (chains.md §5.3) ---- */

static bool all_rows(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    ldg_enc *e = arg;
    ldg_enc_bin(e, k, kl);
    ldg_enc_bin(e, v, vl);
    return true;
}

/* Every registry key and value, for "nothing changed". */
static void registry_bytes(ldg_enc *e)
{
    static const uint8_t ns = CHN_KEY_NS;
    ldg_enc_reset(e);
    ck_assert_int_eq(ldg_state_scan(M.st, &ns, 1, 100000, all_rows, e), LDG_OK);
}

/* Submits a raw chain.evidence payload; the result must be `want` and nothing may change. */
static void refused(const ldg_enc *payload, ldg_result want)
{
    ldg_enc before, after;
    ldg_enc_init(&before);
    ldg_enc_init(&after);
    registry_bytes(&before);
    ldg_receipt rc;
    ck_assert_int_eq(tk_exec(&M, CHN_TX_EVIDENCE, payload, &rc), want);
    registry_bytes(&after);
    ck_assert_uint_eq(ldg_enc_len(&before), ldg_enc_len(&after));
    ck_assert_mem_eq(ldg_enc_data(&before), ldg_enc_data(&after), ldg_enc_len(&after));
    ldg_enc_free(&before);
    ldg_enc_free(&after);
}

static void refused_ev(const char *id, const ldg_pubkey *key, const chn_vote *a, const chn_vote *b,
                       ldg_result want)
{
    chn_evidence_tx ev = {.key = *key, .a = *a, .b = *b};
    snprintf(ev.id, sizeof ev.id, "%s", id);
    ldg_enc e;
    ldg_enc_init(&e);
    chn_evidence_tx_encode(&e, &ev);
    refused(&e, want);
    ldg_enc_free(&e);
}

#define PC LDG_VOTE_PRECOMMIT
#define PV LDG_VOTE_PREVOTE

START_TEST(dupvote_freezes)
{
    ck_assert_int_eq(anchor(2, 0xf, NULL), LDG_R_OK);
    /* validator 1 alone precommits two blocks at height 3 round 0 */
    chn_vote a = tk_vote(&S, &S.keys[1], 3, 0, PC, 0x11, NULL);
    chn_vote b = tk_vote(&S, &S.keys[1], 3, 0, PC, 0x22, NULL);
    ldg_receipt rc;
    ck_assert_int_eq(tk_evidence(&M, "sec", &S.keys[1].pub, &a, &b, &rc), LDG_R_OK);
    ck_assert_uint_eq(rc.data[0], 2);
    chn_record r = tk_record(&M, "sec");
    ck_assert_uint_eq(r.status, CHN_FROZEN);
    ck_assert_uint_eq(r.evidence_count, 1);
    ck_assert_uint_eq(r.last_height, 2);
    ck_assert(!chn_work_due(M.st, T0 + 100 * PERIOD)); /* frozen: not queued */
    /* the record: [3, key, index, vote_a, vote_b, main_height] */
    uint8_t k[2 + CHN_ID_LEN_MAX + 4] = {CHN_KEY_NS, CHN_KEY_EVIDENCE, 's', 'e', 'c'};
    const uint8_t *v;
    size_t vl;
    bool found;
    ck_assert_int_eq(ldg_state_get(M.st, k, sizeof k, &v, &vl, &found), LDG_OK);
    ck_assert(found);
    ldg_dec d;
    ck_assert_int_eq(ldg_decode(&d, v, vl), LDG_OK);
    const msgpack_object *f;
    ck_assert(ldg_obj_array(d.root, 6, &f));
    uint64_t kind, index, mh;
    ldg_pubkey key;
    chn_vote va, vb;
    ck_assert(ldg_obj_u64(&f[0], &kind) && ldg_obj_bin(&f[1], key.b, LDG_PUBKEY_LEN) &&
              ldg_obj_u64(&f[2], &index) && chn_vote_decode(&va, &f[3]) &&
              chn_vote_decode(&vb, &f[4]) && ldg_obj_u64(&f[5], &mh));
    ck_assert_uint_eq(kind, 3);
    ck_assert_mem_eq(key.b, S.keys[1].pub.b, LDG_PUBKEY_LEN);
    ck_assert_uint_eq(index, 1);
    ck_assert_mem_eq(va.sig.b, a.sig.b, LDG_SIG_LEN);
    ck_assert_mem_eq(vb.block.b, b.block.b, LDG_HASH_LEN);
    ck_assert_uint_eq(mh, M.env.height);
    ldg_dec_free(&d);
    /* the same offence again, in either order, in another round or step: already recorded */
    refused_ev("sec", &S.keys[1].pub, &a, &b, CHN_R_EV_KNOWN);
    refused_ev("sec", &S.keys[1].pub, &b, &a, CHN_R_EV_KNOWN);
    chn_vote c = tk_vote(&S, &S.keys[1], 3, 1, PV, 0, NULL); /* nil against a block */
    chn_vote c2 = tk_vote(&S, &S.keys[1], 3, 1, PV, 0x33, NULL);
    refused_ev("sec", &S.keys[1].pub, &c, &c2, CHN_R_EV_KNOWN);
    /* another validator while frozen: recorded too (a nil vote conflicts with a block) */
    c = tk_vote(&S, &S.keys[2], 3, 1, PV, 0, NULL);
    c2 = tk_vote(&S, &S.keys[2], 3, 1, PV, 0x33, NULL);
    ck_assert_int_eq(tk_evidence(&M, "sec", &S.keys[2].pub, &c, &c2, NULL), LDG_R_OK);
    ck_assert_uint_eq(tk_record(&M, "sec").evidence_count, 2);
    ck_assert_int_eq(anchor(1, 0xf, NULL), CHN_R_FROZEN);
    /* the committee unfreezes it; the old evidence cannot freeze it again */
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_str(&e, "sec");
    ck_assert_int_eq(tk_committee(&M, CHN_TX_UNFREEZE, &e, NULL, 0), LDG_R_OK);
    ldg_enc_free(&e);
    refused_ev("sec", &S.keys[1].pub, &a, &b, CHN_R_EV_KNOWN);
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_ACTIVE);
    ck_assert_int_eq(anchor(1, 0xf, NULL), LDG_R_OK);
}
END_TEST

START_TEST(dupvote_refusals)
{
    ck_assert_int_eq(anchor(2, 0xf, NULL), LDG_R_OK);
    const ldg_pubkey *k1 = &S.keys[1].pub;
    chn_vote a = tk_vote(&S, &S.keys[1], 3, 0, PC, 0x11, NULL);
    chn_vote b = tk_vote(&S, &S.keys[1], 3, 0, PC, 0x22, NULL);
    refused_ev("nope", k1, &a, &b, CHN_R_UNKNOWN);
    refused_ev("Sec", k1, &a, &b, CHN_R_BAD_ID);
    /* different height, round, step */
    chn_vote x = tk_vote(&S, &S.keys[1], 4, 0, PC, 0x22, NULL);
    refused_ev("sec", k1, &a, &x, CHN_R_EV_MISMATCH);
    x = tk_vote(&S, &S.keys[1], 3, 1, PC, 0x22, NULL);
    refused_ev("sec", k1, &a, &x, CHN_R_EV_MISMATCH);
    x = tk_vote(&S, &S.keys[1], 3, 0, PV, 0x22, NULL);
    refused_ev("sec", k1, &a, &x, CHN_R_EV_MISMATCH);
    /* the same block (signed twice: BIP-340 signatures differ), both nil */
    x = tk_vote(&S, &S.keys[1], 3, 0, PC, 0x11, NULL);
    x.sig.b[0] ^= 1;
    refused_ev("sec", k1, &a, &x, CHN_R_EV_SAME_BLOCK);
    chn_vote n1 = tk_vote(&S, &S.keys[1], 3, 0, PC, 0, NULL);
    refused_ev("sec", k1, &n1, &n1, CHN_R_EV_SAME_BLOCK);
    /* a key outside the set, though its signatures are good */
    ldg_keypair out;
    tk_keys(&out, 1, 77);
    chn_vote oa = tk_vote(&S, &out, 3, 0, PC, 0x11, NULL);
    chn_vote ob = tk_vote(&S, &out, 3, 0, PC, 0x22, NULL);
    refused_ev("sec", &out.pub, &oa, &ob, CHN_R_EV_NOT_VALIDATOR);
    /* bad signatures: a flipped byte, another validator's, another chain's */
    x = b;
    x.sig.b[10] ^= 1;
    refused_ev("sec", k1, &a, &x, CHN_R_EV_BAD_SIG);
    refused_ev("sec", k1, &x, &a, CHN_R_EV_BAD_SIG);
    x = tk_vote(&S, &S.keys[2], 3, 0, PC, 0x22, NULL);
    refused_ev("sec", k1, &a, &x, CHN_R_EV_BAD_SIG);
    x = tk_vote(&S, &S.keys[1], 3, 0, PC, 0x22, TK_MAIN_CHAIN);
    refused_ev("sec", k1, &a, &x, CHN_R_EV_BAD_SIG);
    /* shape: each vote of 5 fields; height >= 1; round < 2^32; type 2|3; block bin32 | nil;
     * signature bin64; the id at most 16 bytes */
    chn_evidence_tx ev = {.id = "sec", .key = *k1, .a = a, .b = b};
    ldg_enc e;
    ldg_enc_init(&e);
    static const uint64_t bad_h[] = {0}, bad_r[] = {1ULL << 32}, bad_t[] = {0, 1, 4};
    for (size_t i = 0; i < 5; i++) {
        chn_evidence_tx w = ev;
        if (i == 0)
            w.a.height = bad_h[0];
        else if (i == 1)
            w.a.round = bad_r[0];
        else
            w.b.type = bad_t[i - 2];
        ldg_enc_reset(&e);
        chn_evidence_tx_encode(&e, &w);
        refused(&e, LDG_R_BAD_PAYLOAD);
    }
    ldg_enc_reset(&e); /* a 33-byte block id */
    ldg_enc_array(&e, 4);
    ldg_enc_str(&e, "sec");
    ldg_enc_bin(&e, k1->b, LDG_PUBKEY_LEN);
    chn_vote_encode(&e, &a);
    ldg_enc_array(&e, 5);
    ldg_enc_u64(&e, 3);
    ldg_enc_u64(&e, 0);
    ldg_enc_u64(&e, PC);
    uint8_t big[65] = {0};
    ldg_enc_bin(&e, big, 33);
    ldg_enc_bin(&e, b.sig.b, LDG_SIG_LEN);
    refused(&e, LDG_R_BAD_PAYLOAD);
    ldg_enc_reset(&e); /* an oversize signature */
    ldg_enc_array(&e, 4);
    ldg_enc_str(&e, "sec");
    ldg_enc_bin(&e, k1->b, LDG_PUBKEY_LEN);
    chn_vote_encode(&e, &a);
    ldg_enc_array(&e, 5);
    ldg_enc_u64(&e, 3);
    ldg_enc_u64(&e, 0);
    ldg_enc_u64(&e, PC);
    ldg_enc_bin(&e, b.block.b, LDG_HASH_LEN);
    ldg_enc_bin(&e, big, 65);
    refused(&e, LDG_R_BAD_PAYLOAD);
    ldg_enc_reset(&e); /* a fifth field */
    ldg_enc_array(&e, 5);
    ldg_enc_str(&e, "sec");
    ldg_enc_bin(&e, k1->b, LDG_PUBKEY_LEN);
    chn_vote_encode(&e, &a);
    chn_vote_encode(&e, &b);
    ldg_enc_nil(&e);
    refused(&e, LDG_R_BAD_PAYLOAD);
    ldg_enc_reset(&e); /* an over-long id */
    ldg_enc_array(&e, 4);
    ldg_enc_str(&e, "sec-456789abcdefg");
    ldg_enc_bin(&e, k1->b, LDG_PUBKEY_LEN);
    chn_vote_encode(&e, &a);
    chn_vote_encode(&e, &b);
    refused(&e, CHN_R_BAD_ID);
    ldg_enc_free(&e);
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_ACTIVE);
    /* a retired sub-chain takes none */
    ldg_enc c;
    ldg_enc_init(&c);
    ldg_enc_array(&c, 1);
    ldg_enc_str(&c, "sec");
    ck_assert_int_eq(tk_committee(&M, CHN_TX_RETIRE, &c, NULL, 0), LDG_R_OK);
    ldg_enc_free(&c);
    refused_ev("sec", k1, &a, &b, CHN_R_RETIRED);
}
END_TEST

/* The set of the votes' height decides who is a validator (chains.md §4.6). */
START_TEST(dupvote_set_of_height)
{
    ck_assert_int_eq(anchor(3, 0xf, NULL), LDG_R_OK);
    ldg_keypair nk[7];
    tk_keys(nk, 7, 55);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_str(&e, "sec");
    ldg_enc_u64(&e, 10);
    tk_enc_keys(&e, nk, 7);
    ck_assert_int_eq(tk_committee(&M, CHN_TX_SET_VALIDATORS, &e, NULL, 0), LDG_R_OK);
    /* at 10 a new validator's votes count, an old one's do not; below 10 the reverse */
    chn_vote a = tk_vote(&S, &S.keys[0], 10, 0, PC, 1, NULL);
    chn_vote b = tk_vote(&S, &S.keys[0], 10, 0, PC, 2, NULL);
    refused_ev("sec", &S.keys[0].pub, &a, &b, CHN_R_EV_NOT_VALIDATOR);
    a = tk_vote(&S, &nk[6], 9, 0, PC, 1, NULL);
    b = tk_vote(&S, &nk[6], 9, 0, PC, 2, NULL);
    refused_ev("sec", &nk[6].pub, &a, &b, CHN_R_EV_NOT_VALIDATOR);
    a = tk_vote(&S, &nk[6], 10, 0, PC, 1, NULL);
    b = tk_vote(&S, &nk[6], 10, 0, PC, 2, NULL);
    ck_assert_int_eq(tk_evidence(&M, "sec", &nk[6].pub, &a, &b, NULL), LDG_R_OK);
    ck_assert_uint_eq(tk_record(&M, "sec").status, CHN_FROZEN);
    /* once the new set is in force, the old set's heights are no longer judged */
    ldg_enc_reset(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_str(&e, "sec");
    ck_assert_int_eq(tk_committee(&M, CHN_TX_UNFREEZE, &e, NULL, 0), LDG_R_OK);
    ldg_enc_free(&e);
    tk_advance(&S, 7, 1000, &H);
    ldg_cert c;
    tk_cert(&c, &S, nk, 7, S.height, ldg_enc_data(&H), ldg_enc_len(&H), 0x1f);
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &H, &c, NULL), LDG_R_OK);
    a = tk_vote(&S, &S.keys[0], 9, 0, PC, 1, NULL);
    b = tk_vote(&S, &S.keys[0], 9, 0, PC, 2, NULL);
    refused_ev("sec", &S.keys[0].pub, &a, &b, CHN_R_OLD_SET);
}
END_TEST

/* At most CHN_EVIDENCE_MAX records per sub-chain. */
START_TEST(dupvote_bounded)
{
    for (uint64_t i = 0; i < CHN_EVIDENCE_MAX; i++) {
        chn_vote a = tk_vote(&S, &S.keys[i % 4], 1 + i / 4, 0, PV, 1, NULL);
        chn_vote b = tk_vote(&S, &S.keys[i % 4], 1 + i / 4, 0, PV, 2, NULL);
        ck_assert_int_eq(tk_evidence(&M, "sec", &S.keys[i % 4].pub, &a, &b, NULL), LDG_R_OK);
    }
    ck_assert_uint_eq(tk_record(&M, "sec").evidence_count, CHN_EVIDENCE_MAX);
    chn_vote a = tk_vote(&S, &S.keys[0], 100000, 0, PV, 1, NULL);
    chn_vote b = tk_vote(&S, &S.keys[0], 100000, 0, PV, 2, NULL);
    refused_ev("sec", &S.keys[0].pub, &a, &b, CHN_R_EV_FULL);
}
END_TEST

/* Two replicas given the same transactions reach the same registry bytes. */
START_TEST(dupvote_deterministic)
{
    ldg_enc r1, r2;
    ldg_enc_init(&r1);
    ldg_enc_init(&r2);
    for (int run = 0; run < 2; run++) {
        if (run == 1) {
            teardown();
            setup();
            tk_sub_init(&S, "sub-sec", 4, 1);
        }
        ck_assert_int_eq(anchor(2, 0xf, NULL), LDG_R_OK);
        chn_vote a = tk_vote(&S, &S.keys[3], 3, 2, PC, 5, NULL);
        chn_vote b = tk_vote(&S, &S.keys[3], 3, 2, PC, 0, NULL);
        ck_assert_int_eq(tk_evidence(&M, "sec", &S.keys[3].pub, &a, &b, NULL), LDG_R_OK);
        registry_bytes(run ? &r2 : &r1);
    }
    ck_assert_uint_eq(ldg_enc_len(&r1), ldg_enc_len(&r2));
    ck_assert_mem_eq(ldg_enc_data(&r1), ldg_enc_data(&r2), ldg_enc_len(&r1));
    ldg_enc_free(&r1);
    ldg_enc_free(&r2);
}
END_TEST
static void cp_tx(const ldg_enc *hb, const ldg_cert *c, uint64_t nonce, uint8_t **w, ldg_tx *tx)
{
    ldg_enc e;
    ldg_enc_init(&e);
    chn_checkpoint_tx_encode(&e, "sec", ldg_enc_data(hb), ldg_enc_len(hb), c);
    size_t len;
    *w = ldg_tx_build(&len, NULL, TK_MAIN_CHAIN, &(ldg_hash){{0}}, CHN_TX_CHECKPOINT, &M.relayer,
                      M.env.time_ms + 60000 + nonce, ldg_enc_data(&e), ldg_enc_len(&e), true);
    ck_assert_ptr_nonnull(*w);
    ck_assert_int_eq(ldg_tx_decode(tx, *w, len), LDG_R_OK);
    ldg_enc_free(&e);
}

enum { BLK = 5 };

/* The block: S's heights 2..5 as checkpoints, of which #1 has one signature flipped and #3
 * names two validators swapped (each signature then under another key); #4 repeats #3
 * genuinely signed. good[] holds the genuine certificate of each. */
static void make_block(uint8_t *w[BLK], ldg_tx tx[BLK], ldg_tx good_tx[BLK], uint8_t *gw[BLK])
{
    ldg_enc h;
    ldg_enc_init(&h);
    for (int i = 0; i < BLK; i++) {
        if (i != 4)
            tk_advance(&S, 1, 1000, &h);
        ldg_cert c;
        tk_cert(&c, &S, S.keys, S.n, S.height, ldg_enc_data(&h), ldg_enc_len(&h), 0xf);
        cp_tx(&h, &c, 100 + (uint64_t)i, &gw[i], &good_tx[i]);
        if (i == 1)
            c.sigs[2].sig.b[10] ^= 0x04;
        if (i == 3) {
            uint32_t v = c.sigs[0].validator;
            c.sigs[0].validator = c.sigs[1].validator;
            c.sigs[1].validator = v;
        }
        cp_tx(&h, &c, 200 + (uint64_t)i, &w[i], &tx[i]);
    }
    ldg_enc_free(&h);
}

/* Executes the block on M; receipts into rc; the record's bytes into rec. */
static size_t run_block(ldg_tx tx[BLK], ldg_receipt rc[BLK], uint8_t *rec)
{
    for (int i = 0; i < BLK; i++)
        ck_assert_int_eq(ldg_exec_tx(M.reg, M.st, &M.env, &tx[i], (uint32_t)i, &rc[i]), LDG_OK);
    return rec_bytes("sec", rec);
}

static void free_block(uint8_t *w[BLK], ldg_tx tx[BLK])
{
    for (int i = 0; i < BLK; i++) {
        ldg_tx_free(&tx[i]);
        free(w[i]);
    }
}

/* The same block with and without the cache: the same receipts, the same record. The cache
 * was filled from the genuine certificates of the same blocks (what a replica may have seen
 * first): the tampered ones, whose block hash and height are the same, still fail. */
START_TEST(presign_same_results)
{
    ldg_enc h1;
    ldg_enc_init(&h1);
    tk_advance(&S, 1, 1000, &h1);
    ldg_cert c1;
    tk_cert(&c1, &S, S.keys, S.n, 1, ldg_enc_data(&h1), ldg_enc_len(&h1), 0xf);
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h1, &c1, NULL), LDG_R_OK);
    uint8_t *w[BLK], *gw[BLK];
    ldg_tx tx[BLK], gtx[BLK];
    ldg_receipt plain[BLK], cached[BLK];
    static uint8_t rec_plain[16384], rec_cached[16384];
    make_block(w, tx, gtx, gw);
    size_t lp = run_block(tx, plain, rec_plain);
    ck_assert_int_eq(plain[0].code, LDG_R_OK);
    ck_assert_int_eq(plain[1].code, CHN_R_BAD_SIGNER);
    ck_assert_int_eq(plain[2].code, LDG_R_OK);
    ck_assert_int_eq(plain[3].code, CHN_R_BAD_SIGNER);
    ck_assert_int_eq(plain[4].code, LDG_R_OK);
    /* the same main chain again, then the block with the cache: the genuine certificates
     * gathered and verified ahead, then the block's own */
    tk_main_free(&M);
    tk_main_init(&M);
    ck_assert_int_eq(tk_create(&M, "sec", &S, PERIOD), LDG_R_OK);
    ck_assert_int_eq(tk_checkpoint(&M, "sec", &h1, &c1, NULL), LDG_R_OK);
    ldg_sigcache *cache = ldg_sigcache_new();
    M.env.sigcache = cache;
    ck_assert_uint_eq(ldg_exec_presign(M.reg, M.st, &M.env, gtx, BLK, 1), BLK * 4);
    ck_assert_uint_eq(ldg_sigcache_get_stats(cache).filled, 4 * 4); /* #4 repeats #3 */
    ck_assert_uint_eq(ldg_exec_presign(M.reg, M.st, &M.env, tx, BLK, 2), BLK * 4);
    ldg_sigcache_wait(cache); /* so that the hit count below is exact */
    size_t lc = run_block(tx, cached, rec_cached);
    for (int i = 0; i < BLK; i++) {
        ck_assert_int_eq(cached[i].code, plain[i].code);
        ck_assert_str_eq(cached[i].detail, plain[i].detail);
    }
    ck_assert_uint_eq(lc, lp);
    ck_assert_mem_eq(rec_cached, rec_plain, lp);
    /* #0, #2 and #4 found their 4 signatures there; #1 and #3 verified inline and failed */
    ck_assert_uint_eq(ldg_sigcache_get_stats(cache).hits, 3 * 4 + 2);
    M.env.sigcache = NULL;
    ldg_sigcache_free(cache);
    free_block(w, tx);
    free_block(gw, gtx);
    ldg_enc_free(&h1);
}
END_TEST

/* Sig-jobs are gathered only for checkpoints that pass every cheaper check: an unknown
 * sub-chain, a certificate of another block, too few or repeated signers give none. */
START_TEST(presign_gathers_only_candidates)
{
    ldg_enc h;
    ldg_enc_init(&h);
    tk_advance(&S, 1, 1000, &h);
    ldg_cert c;
    uint8_t *w[4];
    ldg_tx tx[4];
    tk_cert(&c, &S, S.keys, S.n, S.height, ldg_enc_data(&h), ldg_enc_len(&h), 0x3); /* 2 of 4 */
    cp_tx(&h, &c, 1, &w[0], &tx[0]);
    tk_cert(&c, &S, S.keys, S.n, S.height, ldg_enc_data(&h), ldg_enc_len(&h), 0x7);
    c.sigs[2].validator = 0; /* named twice */
    cp_tx(&h, &c, 2, &w[1], &tx[1]);
    tk_cert(&c, &S, S.keys, S.n, S.height, ldg_enc_data(&h), ldg_enc_len(&h), 0x7);
    c.block_hash.b[0] ^= 1; /* another block */
    cp_tx(&h, &c, 3, &w[2], &tx[2]);
    tk_cert(&c, &S, S.keys, S.n, S.height, ldg_enc_data(&h), ldg_enc_len(&h), 0x7);
    cp_tx(&h, &c, 4, &w[3], &tx[3]); /* the one candidate: 3 jobs */
    ldg_sigcache *cache = ldg_sigcache_new();
    M.env.sigcache = cache;
    ck_assert_uint_eq(ldg_exec_presign(M.reg, M.st, &M.env, tx, 4, 2), 3);
    M.env.sigcache = NULL;
    ck_assert_uint_eq(ldg_exec_presign(M.reg, M.st, &M.env, tx, 4, 2), 0); /* no cache */
    ldg_sigcache_free(cache);
    for (int i = 0; i < 4; i++) {
        ldg_tx_free(&tx[i]);
        free(w[i]);
    }
    ldg_enc_free(&h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chains");
    TCase *tc = tcase_create("registry");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, create_and_anchor);
    tcase_add_test(tc, create_refusals);
    tcase_add_test(tc, checkpoint_refusals);
    tcase_add_test(tc, status_refusals);
    tcase_add_test(tc, stale_by_main_time);
    tcase_add_test(tc, equivocation_same_height);
    tcase_add_test(tc, equivocation_older_height_and_fork);
    tcase_add_test(tc, validator_set_change);
    tcase_add_test(tc, set_period);
    tcase_add_test(tc, stale_bounded_per_block);
    tcase_add_test(tc, presign_same_results);
    tcase_add_test(tc, presign_gathers_only_candidates);
    tcase_add_test(tc, dupvote_freezes);
    tcase_add_test(tc, dupvote_refusals);
    tcase_add_test(tc, dupvote_set_of_height);
    tcase_add_test(tc, dupvote_bounded);
    tcase_add_test(tc, dupvote_deterministic);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
