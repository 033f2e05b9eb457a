/* Unit tests of the consensus core (net/net_consensus.h): one core driven by hand. */
#include <check.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <stdlib.h>
#include <string.h>

#include "../../net/net_consensus.h"
#include "cons_testkit.h"

/* ---- Harness: validator `self` of a set of n, the others signed here ---------------- */

typedef struct harness {
    uint32_t n;
    uint8_t pubkeys[NET_CONS_VALIDATORS_MAX][NET_CONS_PUBKEY_LEN];
    cons_key self_key;
    net_cons *core;
    net_cons_actions acts;
} harness;

static void h_config(harness *t, net_cons_config *cfg, const net_cons_persisted *restored)
{
    memset(cfg, 0, sizeof *cfg);
    memcpy(cfg->chain_id, "test", 4);
    cfg->chain_id_len = 4;
    memcpy(cfg->self_pubkey, t->self_key.pubkey, NET_CONS_PUBKEY_LEN);
    cfg->crypto = (net_cons_crypto){.ctx = &t->self_key, .sign = fake_sign, .verify = fake_verify};
    cfg->propose_base_ms = 1000;
    cfg->propose_delta_ms = 500;
    cfg->prevote_base_ms = 800;
    cfg->prevote_delta_ms = 200;
    cfg->precommit_base_ms = 700;
    cfg->precommit_delta_ms = 100;
    cfg->restored = restored;
}

static void h_init(harness *t, uint32_t n, uint32_t self, const net_cons_persisted *restored)
{
    memset(t, 0, sizeof *t);
    t->n = n;
    for (uint32_t i = 0; i < n; i++)
        t->pubkeys[i][0] = (uint8_t)(i + 1);
    memcpy(t->self_key.pubkey, t->pubkeys[self], NET_CONS_PUBKEY_LEN);
    net_cons_config cfg;
    h_config(t, &cfg, restored);
    t->core = net_cons_create(&cfg);
    ck_assert_ptr_nonnull(t->core);
}

static net_cons_rc h_step(harness *t, const net_cons_event *ev)
{
    return net_cons_step(t->core, &t->acts, ev);
}

static net_cons_rc h_start(harness *t, uint64_t height)
{
    net_cons_event ev = {.kind = NET_CONS_EV_START_HEIGHT, .height = height};
    ev.validators = (const uint8_t(*)[NET_CONS_PUBKEY_LEN])t->pubkeys;
    ev.validator_count = t->n;
    return h_step(t, &ev);
}

static net_cons_block_id block_of(uint8_t tag)
{
    net_cons_block_id b;
    memset(b.b, tag, sizeof b.b);
    return b;
}

static net_cons_msg h_msg(const harness *t, uint8_t type, uint32_t from, uint64_t h, uint32_t r,
                          const net_cons_block_id *b, int32_t vr)
{
    net_cons_msg m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.validator = (uint16_t)from;
    m.height = h;
    m.round = r;
    m.valid_round = vr;
    if (b) {
        m.has_block = true;
        m.block = *b;
    }
    uint8_t bytes[NET_CONS_SIGN_BYTES_MAX];
    size_t len = net_cons_sign_bytes(bytes, (const uint8_t *)"test", 4, &m);
    fake_sig(m.sig, t->pubkeys[from], bytes, len);
    return m;
}

static net_cons_rc h_deliver(harness *t, const net_cons_msg *m)
{
    net_cons_event ev = {.kind = NET_CONS_EV_MESSAGE, .msg = *m};
    return h_step(t, &ev);
}

static net_cons_rc h_validity(harness *t, uint64_t h, const net_cons_block_id *b, bool valid)
{
    net_cons_event ev = {.kind = NET_CONS_EV_VALIDITY, .height = h, .block = *b, .valid = valid};
    return h_step(t, &ev);
}

static net_cons_rc h_timeout(harness *t, net_cons_timeout_kind kind, uint64_t h, uint32_t r)
{
    net_cons_event ev = {
        .kind = NET_CONS_EV_TIMEOUT, .timeout_kind = kind, .height = h, .round = r};
    return h_step(t, &ev);
}

/* The i-th action of `kind` of the last call, or NULL. */
static const net_cons_action *h_find(const harness *t, net_cons_action_kind kind, size_t nth)
{
    for (size_t i = 0; i < t->acts.count; i++)
        if (t->acts.items[i].kind == kind && nth-- == 0)
            return &t->acts.items[i];
    return NULL;
}

/* The broadcast own vote of `type` of the last call, after checking its PERSIST came first. */
static const net_cons_msg *h_vote(const harness *t, uint8_t type)
{
    bool persisted = false;
    for (size_t i = 0; i < t->acts.count; i++) {
        const net_cons_action *a = &t->acts.items[i];
        if (a->kind == NET_CONS_ACT_PERSIST && a->persisted->last.type == type)
            persisted = true;
        if (a->kind == NET_CONS_ACT_BROADCAST && a->msg.type == type) {
            ck_assert_msg(persisted, "vote of type %u broadcast before it was persisted", type);
            return &a->msg;
        }
    }
    return NULL;
}

static void h_free(harness *t)
{
    net_cons_destroy(t->core);
}

/* ---- Tests ---------------------------------------------------------------------------- */

START_TEST(quorum_and_proposer)
{
    ck_assert_uint_eq(net_cons_quorum(1), 1);
    ck_assert_uint_eq(net_cons_quorum(4), 3);
    ck_assert_uint_eq(net_cons_quorum(7), 5);
    ck_assert_uint_eq(net_cons_weak_quorum(4), 2);
    ck_assert_uint_eq(net_cons_weak_quorum(7), 3);
    ck_assert_uint_eq(net_cons_proposer(1, 0, 4), 1);
    ck_assert_uint_eq(net_cons_proposer(1, 3, 4), 0);
    ck_assert_uint_eq(net_cons_proposer(UINT64_MAX, 1, 4), 0);
}
END_TEST

START_TEST(sign_bytes_layout)
{
    net_cons_msg m = {.type = NET_CONS_PREVOTE,
                      .height = 0x0102030405060708ull,
                      .round = 0x0a0b0c0d,
                      .valid_round = -1,
                      .has_block = true};
    memset(m.block.b, 0xab, sizeof m.block.b);
    uint8_t out[NET_CONS_SIGN_BYTES_MAX];
    size_t len = net_cons_sign_bytes(out, (const uint8_t *)"folio", 5, &m);
    ck_assert_uint_eq(len, 1 + 5 + 8 + 4 + 1 + 1 + 32 + 4);
    static const uint8_t head[] = {5, 'f', 'o', 'l', 'i', 'o', 1,   2, 3, 4,   5,
                                   6, 7,   8,   0xa, 0xb, 0xc, 0xd, 2, 1, 0xab};
    ck_assert_mem_eq(out, head, sizeof head);
    static const uint8_t tail[] = {0xff, 0xff, 0xff, 0xff};
    ck_assert_mem_eq(out + len - 4, tail, 4);
    m.has_block = false;
    memset(m.block.b, 0, sizeof m.block.b);
    len = net_cons_sign_bytes(out, (const uint8_t *)"folio", 5, &m);
    ck_assert_uint_eq(out[19], 0);
    ck_assert_uint_eq(out[20], 0);
}
END_TEST

/* A one-validator chain goes through the same path: value, proposal, votes, commit. */
START_TEST(single_validator_commits)
{
    harness t;
    h_init(&t, 1, 0, NULL);
    ck_assert_int_eq(h_start(&t, 1), NET_CONS_RC_OK);
    const net_cons_action *req = h_find(&t, NET_CONS_ACT_REQUEST_VALUE, 0);
    ck_assert_ptr_nonnull(req);
    ck_assert_uint_eq(req->height, 1);
    net_cons_block_id b = block_of(7);
    net_cons_event ev = {.kind = NET_CONS_EV_VALUE, .height = 1, .round = 0, .block = b};
    ck_assert_int_eq(h_step(&t, &ev), NET_CONS_RC_OK);
    ck_assert_ptr_nonnull(h_vote(&t, NET_CONS_PROPOSAL));
    ck_assert_ptr_nonnull(h_vote(&t, NET_CONS_PREVOTE));
    const net_cons_msg *pc = h_vote(&t, NET_CONS_PRECOMMIT);
    ck_assert_ptr_nonnull(pc);
    ck_assert(pc->has_block && memcmp(pc->block.b, b.b, 32) == 0);
    const net_cons_action *c = h_find(&t, NET_CONS_ACT_COMMIT, 0);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(c->height, 1);
    ck_assert_uint_eq(c->list_count, 1);
    ck_assert_mem_eq(c->block.b, b.b, 32);
    net_cons_status st;
    net_cons_status_get(t.core, &st);
    ck_assert_int_eq(st.step, NET_CONS_STEP_COMMITTED);
    ck_assert_uint_eq(st.last_commit_height, 1);
    ck_assert_int_eq(h_start(&t, 2), NET_CONS_RC_OK);
    ck_assert_ptr_nonnull(h_find(&t, NET_CONS_ACT_REQUEST_VALUE, 0));
    h_free(&t);
}
END_TEST

/* n = 4, this node is 0, the proposer of (1, 0) is 1. */
START_TEST(happy_path_n4)
{
    harness t;
    h_init(&t, 4, 0, NULL);
    ck_assert_int_eq(h_start(&t, 1), NET_CONS_RC_OK);
    const net_cons_action *to = h_find(&t, NET_CONS_ACT_SCHEDULE_TIMEOUT, 0);
    ck_assert_ptr_nonnull(to);
    ck_assert_int_eq(to->timeout_kind, NET_CONS_TIMEOUT_PROPOSE);
    ck_assert_uint_eq(to->duration_ms, 1000);
    net_cons_block_id b = block_of(9);
    net_cons_msg p = h_msg(&t, NET_CONS_PROPOSAL, 1, 1, 0, &b, -1);
    ck_assert_int_eq(h_deliver(&t, &p), NET_CONS_RC_OK);
    ck_assert_ptr_nonnull(h_find(&t, NET_CONS_ACT_REQUEST_VALIDATION, 0));
    ck_assert_ptr_null(h_vote(&t, NET_CONS_PREVOTE)); /* waits for the verdict */
    ck_assert_int_eq(h_validity(&t, 1, &b, true), NET_CONS_RC_OK);
    ck_assert_ptr_nonnull(h_vote(&t, NET_CONS_PREVOTE));
    net_cons_msg v1 = h_msg(&t, NET_CONS_PREVOTE, 1, 1, 0, &b, -1);
    net_cons_msg v2 = h_msg(&t, NET_CONS_PREVOTE, 2, 1, 0, &b, -1);
    ck_assert_int_eq(h_deliver(&t, &v1), NET_CONS_RC_OK);
    ck_assert_ptr_null(h_vote(&t, NET_CONS_PRECOMMIT));
    ck_assert_int_eq(h_deliver(&t, &v1), NET_CONS_RC_DUPLICATE);
    ck_assert_int_eq(h_deliver(&t, &v2), NET_CONS_RC_OK);
    ck_assert_ptr_nonnull(h_vote(&t, NET_CONS_PRECOMMIT)); /* locked on b */
    net_cons_status st;
    net_cons_status_get(t.core, &st);
    ck_assert_int_eq(st.locked_round, 0);
    ck_assert_uint_eq(st.seen_mask, 0x6);
    ck_assert_int_eq(st.last_proposer, 1);
    net_cons_msg c1 = h_msg(&t, NET_CONS_PRECOMMIT, 1, 1, 0, &b, -1);
    net_cons_msg c3 = h_msg(&t, NET_CONS_PRECOMMIT, 3, 1, 0, &b, -1);
    ck_assert_int_eq(h_deliver(&t, &c1), NET_CONS_RC_OK);
    ck_assert_ptr_null(h_find(&t, NET_CONS_ACT_COMMIT, 0));
    ck_assert_int_eq(h_deliver(&t, &c3), NET_CONS_RC_OK);
    const net_cons_action *c = h_find(&t, NET_CONS_ACT_COMMIT, 0);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(c->list_count, 3);
    ck_assert_uint_eq(c->list[0].validator, 0);
    ck_assert_uint_eq(c->list[1].validator, 1);
    ck_assert_uint_eq(c->list[2].validator, 3);
    h_free(&t);
}
END_TEST

START_TEST(rejects_bad_messages)
{
    harness t;
    h_init(&t, 4, 0, NULL);
    h_start(&t, 1);
    net_cons_block_id b = block_of(9);
    net_cons_msg p = h_msg(&t, NET_CONS_PROPOSAL, 2, 1, 0, &b, -1);
    ck_assert_int_eq(h_deliver(&t, &p), NET_CONS_RC_NOT_PROPOSER);
    net_cons_msg v = h_msg(&t, NET_CONS_PREVOTE, 2, 1, 0, &b, -1);
    v.sig[0] ^= 1;
    ck_assert_int_eq(h_deliver(&t, &v), NET_CONS_RC_BAD_SIGNATURE);
    v = h_msg(&t, NET_CONS_PREVOTE, 2, 2, 0, &b, -1);
    ck_assert_int_eq(h_deliver(&t, &v), NET_CONS_RC_STALE);
    v = h_msg(&t, NET_CONS_PREVOTE, 9, 1, 0, &b, -1);
    ck_assert_int_eq(h_deliver(&t, &v), NET_CONS_RC_MALFORMED);
    p = h_msg(&t, NET_CONS_PROPOSAL, 1, 1, 0, &b, 0); /* valid_round must be < round */
    ck_assert_int_eq(h_deliver(&t, &p), NET_CONS_RC_MALFORMED);
    net_cons_status st;
    net_cons_status_get(t.core, &st);
    ck_assert_uint_eq(st.seen_mask, 0);
    h_free(&t);
}
END_TEST

START_TEST(equivocation_gives_evidence)
{
    harness t;
    h_init(&t, 4, 0, NULL);
    h_start(&t, 1);
    net_cons_block_id a = block_of(1), b = block_of(2);
    net_cons_msg va = h_msg(&t, NET_CONS_PREVOTE, 3, 1, 0, &a, -1);
    net_cons_msg vb = h_msg(&t, NET_CONS_PREVOTE, 3, 1, 0, &b, -1);
    ck_assert_int_eq(h_deliver(&t, &va), NET_CONS_RC_OK);
    ck_assert_int_eq(h_deliver(&t, &vb), NET_CONS_RC_EQUIVOCATION);
    const net_cons_action *e = h_find(&t, NET_CONS_ACT_EVIDENCE, 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(e->msg.validator, 3);
    ck_assert_uint_eq(e->msg2.validator, 3);
    ck_assert(!net_cons_msg_same_content(&e->msg, &e->msg2));
    ck_assert_int_eq(h_deliver(&t, &vb), NET_CONS_RC_DUPLICATE);
    net_cons_msg pa = h_msg(&t, NET_CONS_PROPOSAL, 1, 1, 0, &a, -1);
    net_cons_msg pb = h_msg(&t, NET_CONS_PROPOSAL, 1, 1, 0, &b, -1);
    ck_assert_int_eq(h_deliver(&t, &pa), NET_CONS_RC_OK);
    ck_assert_int_eq(h_deliver(&t, &pb), NET_CONS_RC_EQUIVOCATION);
    h_free(&t);
}
END_TEST

/* Locked on a in round 0, the node prevotes nil for a new block b in round 1, and for b
 * once b comes with a polka from a later round than its lock. */
START_TEST(lock_rule)
{
    harness t;
    h_init(&t, 4, 0, NULL);
    h_start(&t, 1);
    net_cons_block_id a = block_of(1), b = block_of(2);
    net_cons_msg p0 = h_msg(&t, NET_CONS_PROPOSAL, 1, 1, 0, &a, -1);
    h_deliver(&t, &p0);
    h_validity(&t, 1, &a, true);
    for (uint32_t v = 1; v <= 2; v++) {
        net_cons_msg pv = h_msg(&t, NET_CONS_PREVOTE, v, 1, 0, &a, -1);
        h_deliver(&t, &pv);
    }
    ck_assert_ptr_nonnull(h_vote(&t, NET_CONS_PRECOMMIT));
    for (uint32_t v = 1; v <= 3; v += 2) { /* nil precommits: timeout precommit */
        net_cons_msg pc = h_msg(&t, NET_CONS_PRECOMMIT, v, 1, 0, NULL, -1);
        h_deliver(&t, &pc);
    }
    const net_cons_action *to = h_find(&t, NET_CONS_ACT_SCHEDULE_TIMEOUT, 0);
    ck_assert_ptr_nonnull(to);
    ck_assert_int_eq(to->timeout_kind, NET_CONS_TIMEOUT_PRECOMMIT);
    ck_assert_int_eq(h_timeout(&t, NET_CONS_TIMEOUT_PRECOMMIT, 1, 0), NET_CONS_RC_OK);
    to = h_find(&t, NET_CONS_ACT_SCHEDULE_TIMEOUT, 0);
    ck_assert_uint_eq(to->round, 1);
    ck_assert_uint_eq(to->duration_ms, 1500); /* base + 1 * delta */
    net_cons_msg p1 = h_msg(&t, NET_CONS_PROPOSAL, 2, 1, 1, &b, -1);
    h_deliver(&t, &p1);
    h_validity(&t, 1, &b, true);
    const net_cons_msg *pv = h_vote(&t, NET_CONS_PREVOTE);
    ck_assert_ptr_nonnull(pv);
    ck_assert(!pv->has_block); /* locked on a */
    net_cons_status st;
    net_cons_status_get(t.core, &st);
    ck_assert_int_eq(st.locked_round, 0);
    ck_assert_uint_eq(st.round, 1);
    h_free(&t);
}
END_TEST

/* f+1 validators in a later round pull the node there. */
START_TEST(round_skip)
{
    harness t;
    h_init(&t, 4, 0, NULL);
    h_start(&t, 1);
    net_cons_msg v1 = h_msg(&t, NET_CONS_PREVOTE, 1, 1, 5, NULL, -1);
    net_cons_msg v2 = h_msg(&t, NET_CONS_PRECOMMIT, 2, 1, 5, NULL, -1);
    h_deliver(&t, &v1);
    net_cons_status st;
    net_cons_status_get(t.core, &st);
    ck_assert_uint_eq(st.round, 0);
    h_deliver(&t, &v2);
    net_cons_status_get(t.core, &st);
    ck_assert_uint_eq(st.round, 5);
    ck_assert_int_eq(st.proposer, 2);
    h_free(&t);
}
END_TEST

/* After a crash the node restarts in the round it last signed in, re-sends what it
 * signed, keeps its lock, and signs nothing that conflicts. */
START_TEST(restart_from_persisted)
{
    harness t;
    h_init(&t, 4, 0, NULL);
    h_start(&t, 1);
    net_cons_block_id a = block_of(1);
    net_cons_msg p0 = h_msg(&t, NET_CONS_PROPOSAL, 1, 1, 0, &a, -1);
    h_deliver(&t, &p0);
    h_validity(&t, 1, &a, true);
    net_cons_msg pv1 = h_msg(&t, NET_CONS_PREVOTE, 1, 1, 0, &a, -1);
    net_cons_msg pv2 = h_msg(&t, NET_CONS_PREVOTE, 2, 1, 0, &a, -1);
    h_deliver(&t, &pv1);
    h_deliver(&t, &pv2);
    const net_cons_action *pa = h_find(&t, NET_CONS_ACT_PERSIST, 0);
    ck_assert_ptr_nonnull(pa);
    net_cons_persisted disk = *pa->persisted;
    const net_cons_msg own = *h_vote(&t, NET_CONS_PRECOMMIT);
    ck_assert_int_eq(disk.last.type, NET_CONS_PRECOMMIT);
    ck_assert_int_eq(disk.locked_round, 0);
    ck_assert_uint_eq(disk.lock_pol_count, 3);
    h_free(&t);

    harness u;
    h_init(&u, 4, 0, &disk);
    ck_assert_int_eq(h_start(&u, 1), NET_CONS_RC_OK);
    ck_assert_ptr_null(h_find(&u, NET_CONS_ACT_PERSIST, 0));
    const net_cons_action *b0 = h_find(&u, NET_CONS_ACT_BROADCAST, 0);
    const net_cons_action *b1 = h_find(&u, NET_CONS_ACT_BROADCAST, 1);
    ck_assert_ptr_nonnull(b1);
    ck_assert_int_eq(b0->msg.type, NET_CONS_PREVOTE);
    ck_assert(net_cons_msg_same_content(&b1->msg, &own));
    ck_assert_mem_eq(b1->msg.sig, own.sig, NET_CONS_SIG_LEN);
    net_cons_status st;
    net_cons_status_get(u.core, &st);
    ck_assert_int_eq(st.step, NET_CONS_STEP_PRECOMMIT);
    ck_assert_int_eq(st.locked_round, 0);
    ck_assert_int_eq(h_timeout(&u, NET_CONS_TIMEOUT_PREVOTE, 1, 0), NET_CONS_RC_STALE);
    ck_assert_uint_eq(st.sign_refusals, 0);
    net_cons_destroy(u.core);
}
END_TEST

/* Restored with a signature from a later height than the one started: no signing. */
START_TEST(never_signs_below_persisted)
{
    harness t;
    h_init(&t, 1, 0, NULL);
    net_cons_persisted disk;
    memset(&disk, 0, sizeof disk);
    disk.locked_round = -1;
    disk.last = h_msg(&t, NET_CONS_PRECOMMIT, 0, 5, 0, NULL, -1);
    h_free(&t);
    h_init(&t, 1, 0, &disk);
    h_start(&t, 3);
    net_cons_block_id b = block_of(3);
    net_cons_event ev = {.kind = NET_CONS_EV_VALUE, .height = 3, .round = 0, .block = b};
    h_step(&t, &ev);
    ck_assert_ptr_null(h_find(&t, NET_CONS_ACT_PERSIST, 0));
    ck_assert_ptr_null(h_find(&t, NET_CONS_ACT_BROADCAST, 0));
    net_cons_status st;
    net_cons_status_get(t.core, &st);
    ck_assert_uint_gt(st.sign_refusals, 0);
    h_free(&t);
}
END_TEST

/* ---- Real BIP-340 signatures through the callbacks ----------------------------------- */

typedef struct schnorr {
    secp256k1_context *ctx;
    secp256k1_keypair kp;
} schnorr;

static bool schnorr_sign(void *ctx, uint8_t sig[NET_CONS_SIG_LEN], const uint8_t *msg, size_t len)
{
    schnorr *s = ctx;
    ldg_hash digest;
    net_cons_digest(&digest, msg, len);
    return secp256k1_schnorrsig_sign32(s->ctx, sig, digest.b, &s->kp, NULL) == 1;
}

static bool schnorr_verify(void *ctx, const uint8_t pub[NET_CONS_PUBKEY_LEN], const uint8_t *msg,
                           size_t len, const uint8_t sig[NET_CONS_SIG_LEN])
{
    schnorr *s = ctx;
    secp256k1_xonly_pubkey pk;
    ldg_hash digest;
    if (!secp256k1_xonly_pubkey_parse(s->ctx, &pk, pub))
        return false;
    net_cons_digest(&digest, msg, len);
    return secp256k1_schnorrsig_verify(s->ctx, sig, digest.b, 32, &pk) == 1;
}

START_TEST(bip340_single_validator)
{
    schnorr s;
    s.ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    uint8_t seckey[32];
    memset(seckey, 0x42, sizeof seckey);
    ck_assert_int_eq(secp256k1_keypair_create(s.ctx, &s.kp, seckey), 1);
    secp256k1_xonly_pubkey xpk;
    uint8_t pub[1][32];
    ck_assert_int_eq(secp256k1_keypair_xonly_pub(s.ctx, &xpk, NULL, &s.kp), 1);
    secp256k1_xonly_pubkey_serialize(s.ctx, pub[0], &xpk);

    net_cons_config cfg = {.chain_id = "folio-test", .chain_id_len = 10};
    memcpy(cfg.self_pubkey, pub[0], 32);
    cfg.crypto = (net_cons_crypto){.ctx = &s, .sign = schnorr_sign, .verify = schnorr_verify};
    cfg.propose_base_ms = cfg.prevote_base_ms = cfg.precommit_base_ms = 100;
    net_cons *c = net_cons_create(&cfg);
    ck_assert_ptr_nonnull(c);
    net_cons_actions *acts = malloc(sizeof *acts);
    net_cons_event ev = {
        .kind = NET_CONS_EV_START_HEIGHT, .height = 1, .validators = pub, .validator_count = 1};
    net_cons_step(c, acts, &ev);
    ev = (net_cons_event){.kind = NET_CONS_EV_VALUE, .height = 1, .block = block_of(5)};
    net_cons_step(c, acts, &ev);
    const net_cons_action *commit = NULL;
    for (size_t i = 0; i < acts->count; i++)
        if (acts->items[i].kind == NET_CONS_ACT_COMMIT)
            commit = &acts->items[i];
    ck_assert_ptr_nonnull(commit);
    ck_assert_uint_eq(commit->list_count, 1);
    uint8_t bytes[NET_CONS_SIGN_BYTES_MAX];
    size_t len = net_cons_sign_bytes(bytes, cfg.chain_id, cfg.chain_id_len, &commit->list[0]);
    ck_assert(schnorr_verify(&s, pub[0], bytes, len, commit->list[0].sig));
    bytes[len - 5] ^= 1; /* another block id */
    ck_assert(!schnorr_verify(&s, pub[0], bytes, len, commit->list[0].sig));
    free(acts);
    net_cons_destroy(c);
    secp256k1_context_destroy(s.ctx);
}
END_TEST

static Suite *consensus_suite(void)
{
    Suite *s = suite_create("consensus");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, quorum_and_proposer);
    tcase_add_test(tc, sign_bytes_layout);
    tcase_add_test(tc, single_validator_commits);
    tcase_add_test(tc, happy_path_n4);
    tcase_add_test(tc, rejects_bad_messages);
    tcase_add_test(tc, equivocation_gives_evidence);
    tcase_add_test(tc, lock_rule);
    tcase_add_test(tc, round_skip);
    tcase_add_test(tc, restart_from_persisted);
    tcase_add_test(tc, never_signs_below_persisted);
    tcase_add_test(tc, bip340_single_validator);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(consensus_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
