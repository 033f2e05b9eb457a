/* Unit tests for governance/: the committee from genesis (with and without the committee
 * field), the tally arithmetic with weights at its boundaries, one vote per member,
 * refusals that change nothing, expiry, staged activation at the stated height (and not
 * before), bounded activations per block, every kind's effect, the generic committee action
 * applied through another type's handler as the committee (and FAILED with its code when
 * the handler refuses), and determinism: two replicas fed the same blocks write the same
 * state. Blocks are simulated on an in-memory state: height, the block hooks, the
 * transactions. */
#include "testlib.h"

#include "gov_module.h"
#include "ldg_valset.h"
#include "ldg_chain.h"
#include "ldg_exec.h"
#include "net_node.h"

#define T0 1700000000000ULL
#define CHAIN "folio-gov"
/* Types registered by this suite only (no module uses 220..255). */
#define TX_TEST_ACTION 240      /* a committee-only type */
#define TX_TEST_ACTION_FAIL 241 /* the same, refusing */
#define TX_TEST_OPEN 242        /* any participant: not a committee action */

typedef struct replica {
    ldg_registry *reg;
    ldg_memkv *kv;
    ldg_state *st;
    ldg_env env;
    uint32_t index;
} replica;

static ldg_keypair k_a, k_b, k_c, k_out, k_reg2;
static ldg_account a_a, a_b, a_c, a_out;
static replica R;

/* The committee action: records its sender and roles at key 'Z' (the suite's own). */
static ldg_result apply_test_action(ldg_txctx *c, const msgpack_object *payload)
{
    uint64_t v;
    const msgpack_object *f;
    if (!ldg_obj_array(payload, 1, &f) || !ldg_obj_u64(&f[0], &v))
        return LDG_R_BAD_PAYLOAD;
    uint8_t val[LDG_ACCOUNT_LEN + 4 + 8];
    memcpy(val, c->sender.b, LDG_ACCOUNT_LEN);
    memcpy(val + LDG_ACCOUNT_LEN, &c->sender_roles, 4);
    memcpy(val + LDG_ACCOUNT_LEN + 4, &v, 8);
    ldg_state_put(c->st, "Z", 1, val, sizeof val);
    return LDG_R_OK;
}

static ldg_result apply_test_fail(ldg_txctx *c, const msgpack_object *payload)
{
    ldg_state_put(c->st, "Y", 1, "written", 7); /* must be rolled back */
    ldg_txctx_detail(c, "the test handler refuses");
    return LDG_R_OVERFLOW;
}

static const ldg_tx_type test_types[] = {
    {TX_TEST_ACTION, "test.action", LDG_ROLE_COMMITTEE, apply_test_action},
    {TX_TEST_ACTION_FAIL, "test.fail", LDG_ROLE_COMMITTEE, apply_test_fail},
    {TX_TEST_OPEN, "test.open", 0, apply_test_action},
};

/* Genesis: a (registrar, weight 3), b (weight 2), c (weight 1), out (no member); with
 * `committee` false the four-field form (its registrars, a and reg2, weight 1 each). */
static void replica_init(replica *r, bool committee)
{
    memset(r, 0, sizeof *r);
    r->reg = net_registry_new();
    for (size_t i = 0; i < LDG_ARRAY_LEN(test_types); i++)
        ldg_registry_add_tx(r->reg, &test_types[i]);
    r->kv = ldg_memkv_new();
    r->st = ldg_state_new(ldg_memkv_base(r->kv));
    r->env = (ldg_env){.chain_id = CHAIN, .height = 0, .time_ms = T0};
    const char *names[] = {"a", "b", "c", "out", "reg2"};
    const uint32_t roles[] = {LDG_ROLE_REGISTRAR, LDG_ROLE_BROKER, LDG_ROLE_BROKER, LDG_ROLE_BROKER,
                              LDG_ROLE_REGISTRAR};
    const ldg_keypair *keys[] = {&k_a, &k_b, &k_c, &k_out, &k_reg2};
    ldg_genesis *g = calloc(1, sizeof *g);
    tl_genesis(g, CHAIN, T0, &k_a, 5, names, roles, keys);
    if (committee) {
        const uint64_t w[] = {3, 2, 1};
        for (uint32_t i = 0; i < 3; i++) {
            snprintf(g->committee[i].name, sizeof g->committee[i].name, "%s", names[i]);
            g->committee[i].weight = w[i];
        }
        g->committee_count = 3;
    }
    ldg_genesis_apply_all(r->reg, r->st, g);
    free(g);
}

static void replica_free(replica *r)
{
    ldg_state_free(r->st);
    ldg_memkv_free(r->kv);
    ldg_registry_free(r->reg);
}

/* The next block: its hooks run. */
static void block(replica *r)
{
    r->env.height++;
    r->env.time_ms += 1000;
    r->index = 0;
    ck_assert_int_eq(ldg_exec_begin_block(r->reg, r->st, &r->env), LDG_OK);
}

static ldg_receipt run(replica *r, const ldg_keypair *kp, uint64_t type, const ldg_enc *payload)
{
    size_t len;
    ldg_hash id;
    uint8_t *w = tl_tx_build(&len, &id, CHAIN, &TL_NO_GENESIS, type, kp, T0 + 3600000, payload);
    ldg_tx tx;
    ck_assert_int_eq(ldg_tx_decode(&tx, w, len), LDG_R_OK);
    ldg_receipt rc;
    ck_assert_int_eq(ldg_exec_tx(r->reg, r->st, &r->env, &tx, r->index++, &rc), LDG_OK);
    ldg_tx_free(&tx);
    free(w);
    return rc;
}

static uint64_t id_of(const ldg_receipt *rc)
{
    uint64_t id = 0;
    ck_assert_uint_eq(rc->data_len, 8);
    for (int i = 0; i < 8; i++)
        id = id << 8 | rc->data[i];
    return id;
}

/* gov.propose with params written by the caller into e (after the kind). */
static ldg_receipt propose_raw(replica *r, const ldg_keypair *kp, const gov_params *p,
                               uint64_t expiry, uint64_t delay)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 4);
    ldg_enc_u64(&e, p->kind);
    gov_params_encode(&e, p);
    ldg_enc_u64(&e, expiry);
    ldg_enc_u64(&e, delay);
    ldg_receipt rc = run(r, kp, GOV_TX_PROPOSE, &e);
    ldg_enc_free(&e);
    return rc;
}

static uint64_t propose(replica *r, const ldg_keypair *kp, const gov_params *p, uint64_t delay)
{
    ldg_receipt rc = propose_raw(r, kp, p, r->env.height + 100, delay);
    ck_assert_msg(rc.code == LDG_R_OK, "propose: %s %s", ldg_result_name(rc.code), rc.detail);
    return id_of(&rc);
}

static ldg_receipt vote(replica *r, const ldg_keypair *kp, uint64_t id, uint64_t choice)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 2);
    ldg_enc_u64(&e, id);
    ldg_enc_u64(&e, choice);
    ldg_receipt rc = run(r, kp, GOV_TX_VOTE, &e);
    ldg_enc_free(&e);
    return rc;
}

static gov_proposal *get(replica *r, uint64_t id)
{
    static gov_proposal p;
    bool found;
    ck_assert_int_eq(gov_proposal_get(r->st, id, &p, &found), LDG_OK);
    ck_assert(found);
    return &p;
}

static uint64_t param(replica *r, const char *name)
{
    uint64_t v;
    ck_assert_int_eq(gov_param_get(r->st, name, &v), LDG_OK);
    return v;
}

static void setup(void)
{
    tl_key(&k_a, 1), tl_key(&k_b, 2), tl_key(&k_c, 3), tl_key(&k_out, 4), tl_key(&k_reg2, 5);
    a_a = tl_account(&k_a), a_b = tl_account(&k_b), a_c = tl_account(&k_c);
    a_out = tl_account(&k_out);
    replica_init(&R, true);
    block(&R);
}

static void teardown(void)
{
    replica_free(&R);
}

/* A digest of every pending write (but the replay records 'x' when !with_x): equal
 * digests, equal states. */
static void writes_digest_x(ldg_state *st, ldg_hash *out, bool with_x)
{
    const ldg_write *w;
    size_t n = ldg_state_writes(st, &w), k = 0;
    ldg_write *kept = calloc(n ? n : 1, sizeof *kept);
    for (size_t i = 0; i < n; i++)
        if (with_x || w[i].key[0] != LDG_KEY_TXID)
            kept[k++] = w[i];
    ldg_state_root(out, &(ldg_hash){{0}}, 0, kept, k);
    free(kept);
}

static void writes_digest(ldg_state *st, ldg_hash *out)
{
    writes_digest_x(st, out, true);
}

START_TEST(test_tally_boundaries)
{
    /* quorum: cast * 10000 >= total * bps; approval: yes * 10000 >= (yes + no) * bps */
    ck_assert(gov_tally_passes(2, 1, 0, 3, 6666, 6666));  /* 2 of 3 is two thirds */
    ck_assert(gov_tally_passes(2, 0, 0, 3, 6666, 6666));  /* 2 of 3 took part */
    ck_assert(!gov_tally_passes(2, 0, 0, 3, 6667, 6666)); /* 66.67% asks for more */
    ck_assert(!gov_tally_passes(2, 1, 0, 3, 6666, 6667));
    ck_assert(!gov_tally_passes(3, 0, 0, 6, 6666, 6666));  /* 50% took part */
    ck_assert(gov_tally_passes(3, 1, 0, 6, 6666, 6666));   /* 4 of 6 took part */
    ck_assert(gov_tally_passes(3, 0, 1, 6, 6666, 6666));   /* abstain counts to quorum */
    ck_assert(!gov_tally_passes(0, 0, 6, 6, 6666, 6666));  /* nobody said yes */
    ck_assert(!gov_tally_passes(1, 1, 0, 2, 5000, 5001));  /* a tie is no majority */
    ck_assert(gov_tally_passes(1, 0, 0, 1, 10000, 10000)); /* unanimity of one */
    ck_assert(!gov_tally_passes(1, 0, 0, 0, 1, 5001));     /* no committee */
    uint64_t big = (uint64_t)LDG_COMMITTEE_MEMBERS_MAX * LDG_COMMITTEE_WEIGHT_MAX;
    ck_assert(gov_tally_passes(big, 0, 0, big, 10000, 10000)); /* no overflow at the limit */
}
END_TEST

START_TEST(test_genesis_committee)
{
    gov_committee c;
    ck_assert_int_eq(gov_committee_read(R.st, &c), LDG_OK);
    ck_assert(!c.derived);
    ck_assert_uint_eq(c.count, 3);
    ck_assert_uint_eq(c.total_weight, 6);
    /* The four-field genesis: nothing written at genesis, its registrars (a, reg2) derived,
     * written by the first governance transaction. */
    replica old;
    replica_init(&old, false);
    ck_assert_int_eq(gov_committee_read(old.st, &c), LDG_OK);
    ck_assert(c.derived);
    ck_assert_uint_eq(c.count, 2);
    ck_assert_uint_eq(c.total_weight, 2);
    block(&old);
    ck_assert_int_eq(vote(&old, &k_b, 1, GOV_VOTE_YES).code, GOV_R_NOT_MEMBER);
    gov_params p = {.kind = GOV_KIND_PARAM_SET, .name = "gov.members_min", .value = 2};
    uint64_t id = propose(&old, &k_reg2, &p, 1);
    ck_assert_int_eq(gov_committee_read(old.st, &c), LDG_OK);
    ck_assert(!c.derived);
    ck_assert_int_eq(vote(&old, &k_a, id, GOV_VOTE_YES).code, LDG_R_OK);
    ck_assert_int_eq(get(&old, id)->status, GOV_OPEN); /* 1 of 2 is below two thirds */
    ck_assert_int_eq(vote(&old, &k_reg2, id, GOV_VOTE_YES).code, LDG_R_OK);
    ck_assert_int_eq(get(&old, id)->status, GOV_PASSED);
    replica_free(&old);
}
END_TEST

START_TEST(test_genesis_document)
{
    const char *names[] = {"a", "b"};
    const uint32_t roles[] = {LDG_ROLE_REGISTRAR, LDG_ROLE_BROKER};
    const ldg_keypair *keys[] = {&k_a, &k_b};
    ldg_genesis *g = calloc(1, sizeof *g), *back = calloc(1, sizeof *back);
    tl_genesis(g, CHAIN, T0, &k_a, 2, names, roles, keys);
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_genesis_encode(&e, g);
    ck_assert_uint_eq(((const uint8_t *)ldg_enc_data(&e))[0], 0x94); /* four fields */
    g->committee_count = 1;
    snprintf(g->committee[0].name, sizeof g->committee[0].name, "b");
    g->committee[0].weight = 7;
    ldg_enc_reset(&e);
    ldg_genesis_encode(&e, g);
    ck_assert_uint_eq(((const uint8_t *)ldg_enc_data(&e))[0], 0x95);
    ck_assert_int_eq(ldg_genesis_decode(back, ldg_enc_data(&e), ldg_enc_len(&e)), LDG_OK);
    ck_assert_uint_eq(back->committee_count, 1);
    ck_assert_str_eq(back->committee[0].name, "b");
    ck_assert_uint_eq(back->committee[0].weight, 7);
    /* refused: a name that is no genesis participant, weight 0, a member named twice */
    const char *bad_name[] = {"nobody", "b", "b"};
    const uint64_t bad_weight[] = {1, 0, 1};
    for (int i = 0; i < 3; i++) {
        g->committee_count = i == 2 ? 2 : 1;
        snprintf(g->committee[0].name, sizeof g->committee[0].name, "%s", bad_name[i]);
        g->committee[0].weight = bad_weight[i];
        snprintf(g->committee[1].name, sizeof g->committee[1].name, "b");
        g->committee[1].weight = 1;
        ldg_enc_reset(&e);
        ldg_genesis_encode(&e, g);
        ck_assert_int_eq(ldg_genesis_decode(back, ldg_enc_data(&e), ldg_enc_len(&e)),
                         LDG_ERR_DECODE);
    }
    ldg_enc_free(&e);
    free(g);
    free(back);
}
END_TEST

/* Weights 3, 2, 1: a's yes (3 of 6) is no quorum; c's no makes 4 of 6 and 3 of 4 yes. */
START_TEST(test_weighted_pass_and_staged_activation)
{
    gov_params p = {.kind = GOV_KIND_ROLE_GRANT, .account = a_out, .value = LDG_ROLE_ISSUER};
    uint64_t id = propose(&R, &k_b, &p, 3);
    ck_assert_int_eq(vote(&R, &k_a, id, GOV_VOTE_YES).code, LDG_R_OK);
    ck_assert_int_eq(get(&R, id)->status, GOV_OPEN);
    ck_assert_int_eq(vote(&R, &k_c, id, GOV_VOTE_NO).code, LDG_R_OK);
    gov_proposal *g = get(&R, id);
    ck_assert_int_eq(g->status, GOV_PASSED);
    ck_assert_uint_eq(g->yes, 3);
    ck_assert_uint_eq(g->no, 1);
    uint64_t at = R.env.height + 3;
    ck_assert_uint_eq(g->activation_height, at);
    /* b votes after the pass: closed */
    ck_assert_int_eq(vote(&R, &k_b, id, GOV_VOTE_YES).code, GOV_R_PROPOSAL_CLOSED);
    ldg_participant part;
    bool found;
    while (R.env.height + 1 < at) {
        block(&R);
        ck_assert_int_eq(ldg_participant_get(R.st, &a_out, &part, &found), LDG_OK);
        ck_assert_uint_eq(part.roles, LDG_ROLE_BROKER); /* not before its height */
        ck_assert_int_eq(get(&R, id)->status, GOV_PASSED);
    }
    block(&R); /* the activation height */
    ck_assert_int_eq(get(&R, id)->status, GOV_ACTIVATED);
    ck_assert_int_eq(ldg_participant_get(R.st, &a_out, &part, &found), LDG_OK);
    ck_assert_uint_eq(part.roles, LDG_ROLE_BROKER | LDG_ROLE_ISSUER);
}
END_TEST

START_TEST(test_refusals_change_nothing)
{
    gov_params p = {.kind = GOV_KIND_PARAM_SET, .name = "gov.quorum_bps", .value = 5000};
    uint64_t id = propose(&R, &k_a, &p, 1);
    ck_assert_int_eq(vote(&R, &k_c, id, GOV_VOTE_ABSTAIN).code, LDG_R_OK);
    ldg_hash before, after;
    writes_digest_x(R.st, &before, false);
    ldg_receipt rc = vote(&R, &k_c, id, GOV_VOTE_YES);
    ck_assert_int_eq(rc.code, GOV_R_ALREADY_VOTED);
    ck_assert(strstr(rc.detail, "abstain"));
    ck_assert_int_eq(vote(&R, &k_out, id, GOV_VOTE_YES).code, GOV_R_NOT_MEMBER);
    ck_assert_int_eq(vote(&R, &k_a, 99, GOV_VOTE_YES).code, GOV_R_UNKNOWN_PROPOSAL);
    ck_assert_int_eq(vote(&R, &k_a, id, 4).code, GOV_R_BAD_CHOICE);
    ck_assert_int_eq(propose_raw(&R, &k_out, &p, R.env.height + 5, 1).code, GOV_R_NOT_MEMBER);
    ck_assert_int_eq(propose_raw(&R, &k_a, &p, R.env.height, 1).code, GOV_R_BAD_EXPIRY);
    ck_assert_int_eq(propose_raw(&R, &k_a, &p, R.env.height + 100001, 1).code, GOV_R_BAD_EXPIRY);
    ck_assert_int_eq(propose_raw(&R, &k_a, &p, R.env.height + 5, 0).code, GOV_R_BAD_DELAY);
    gov_params q = {.kind = GOV_KIND_PARAM_SET, .name = "gov.nothing", .value = 1};
    ck_assert_int_eq(propose_raw(&R, &k_a, &q, R.env.height + 5, 1).code, GOV_R_UNKNOWN_PARAM);
    q = (gov_params){.kind = GOV_KIND_PARAM_SET, .name = "gov.approval_bps", .value = 5000};
    ck_assert_int_eq(propose_raw(&R, &k_a, &q, R.env.height + 5, 1).code, GOV_R_PARAM_RANGE);
    q = (gov_params){.kind = GOV_KIND_MEMBER_ADMIT, .account = a_b, .value = 1};
    ck_assert_int_eq(propose_raw(&R, &k_a, &q, R.env.height + 5, 1).code, GOV_R_ALREADY_MEMBER);
    q = (gov_params){.kind = GOV_KIND_MEMBER_REMOVE, .account = a_out};
    ck_assert_int_eq(propose_raw(&R, &k_a, &q, R.env.height + 5, 1).code, GOV_R_NOT_MEMBER);
    q = (gov_params){.kind = GOV_KIND_CODE_REVOKE};
    ck_assert_int_eq(propose_raw(&R, &k_a, &q, R.env.height + 5, 1).code, GOV_R_CODE_UNKNOWN);
    q = (gov_params){.kind = GOV_KIND_ACTION,
                     .value = TX_TEST_OPEN,
                     .payload = (const uint8_t *)"\x01",
                     .payload_len = 1};
    ck_assert_int_eq(propose_raw(&R, &k_a, &q, R.env.height + 5, 1).code,
                     GOV_R_NOT_COMMITTEE_ACTION);
    q.value = 199;
    ck_assert_int_eq(propose_raw(&R, &k_a, &q, R.env.height + 5, 1).code, LDG_R_UNKNOWN_TYPE);
    q.value = TX_TEST_ACTION;
    q.payload = (const uint8_t *)"\xc1";
    ck_assert_int_eq(propose_raw(&R, &k_a, &q, R.env.height + 5, 1).code, GOV_R_BAD_PARAMS);
    /* Only the replay records of the refused transactions were written. */
    writes_digest_x(R.st, &after, false);
    ck_assert(!memcmp(before.b, after.b, LDG_HASH_LEN));
    gov_proposal *g = get(&R, id);
    ck_assert_uint_eq(g->abstain, 1);
    ck_assert_uint_eq(g->yes, 0);
    ck_assert_int_eq(g->status, GOV_OPEN);
    uint64_t next;
    ck_assert_int_eq(ldg_state_get_u64(R.st, "Gn", 2, &next), LDG_OK);
    ck_assert_uint_eq(next, id + 1);
}
END_TEST

START_TEST(test_quorum_break)
{
    /* members_min 3 with 3 members: removing any is refused at proposal */
    gov_params p = {.kind = GOV_KIND_PARAM_SET, .name = "gov.members_min", .value = 3};
    uint64_t id = propose(&R, &k_a, &p, 1);
    vote(&R, &k_a, id, GOV_VOTE_YES);
    vote(&R, &k_b, id, GOV_VOTE_YES);
    block(&R);
    ck_assert_int_eq(get(&R, id)->status, GOV_ACTIVATED);
    ck_assert_uint_eq(param(&R, "gov.members_min"), 3);
    gov_params rm = {.kind = GOV_KIND_MEMBER_REMOVE, .account = a_c};
    ldg_receipt rc = propose_raw(&R, &k_a, &rm, R.env.height + 5, 1);
    ck_assert_int_eq(rc.code, GOV_R_QUORUM_BREAK);
    ck_assert(strstr(rc.detail, "gov.members_min is 3"));
    p.value = 4; /* above the committee's size */
    ck_assert_int_eq(propose_raw(&R, &k_a, &p, R.env.height + 5, 1).code, GOV_R_QUORUM_BREAK);
    /* Two removals valid when proposed: the second fails at activation, nothing changes. */
    p.value = 2;
    id = propose(&R, &k_a, &p, 1);
    vote(&R, &k_a, id, GOV_VOTE_YES);
    vote(&R, &k_b, id, GOV_VOTE_YES);
    block(&R);
    uint64_t r1 = propose(&R, &k_a, &rm, 2);
    gov_params rm2 = {.kind = GOV_KIND_MEMBER_REMOVE, .account = a_b};
    uint64_t r2 = propose(&R, &k_a, &rm2, 2);
    for (uint64_t i = r1; i <= r2; i++) {
        vote(&R, &k_a, i, GOV_VOTE_YES);
        vote(&R, &k_b, i, GOV_VOTE_YES);
    }
    block(&R);
    block(&R);
    ck_assert_int_eq(get(&R, r1)->status, GOV_ACTIVATED);
    gov_proposal *g = get(&R, r2);
    ck_assert_int_eq(g->status, GOV_FAILED);
    ck_assert_uint_eq(g->result, GOV_R_QUORUM_BREAK);
    gov_committee c;
    ck_assert_int_eq(gov_committee_read(R.st, &c), LDG_OK);
    ck_assert_uint_eq(c.count, 2);
    ck_assert_uint_eq(c.total_weight, 5);
}
END_TEST

START_TEST(test_expiry)
{
    gov_params p = {.kind = GOV_KIND_CODE_APPROVE};
    memset(p.hash, 0xab, 32);
    ldg_receipt rc = propose_raw(&R, &k_a, &p, R.env.height + 2, 1);
    ck_assert_int_eq(rc.code, LDG_R_OK);
    uint64_t id = id_of(&rc), expiry = R.env.height + 2;
    ck_assert_int_eq(vote(&R, &k_c, id, GOV_VOTE_YES).code, LDG_R_OK);
    while (R.env.height < expiry) {
        block(&R);
        ck_assert_int_eq(get(&R, id)->status, GOV_OPEN); /* votes up to the expiry height */
    }
    block(&R);
    ck_assert_int_eq(get(&R, id)->status, GOV_EXPIRED);
    ck_assert_int_eq(vote(&R, &k_a, id, GOV_VOTE_YES).code, GOV_R_PROPOSAL_CLOSED);
    uint64_t open;
    ck_assert_int_eq(ldg_state_get_u64(R.st, "Go", 2, &open), LDG_OK);
    ck_assert_uint_eq(open, 0);
}
END_TEST

START_TEST(test_committee_action)
{
    ldg_enc pl;
    ldg_enc_init(&pl);
    ldg_enc_array(&pl, 1);
    ldg_enc_u64(&pl, 42);
    /* No participant holds the committee role: the type refuses a direct submission. */
    ck_assert_int_eq(run(&R, &k_a, TX_TEST_ACTION, &pl).code, LDG_R_UNAUTHORIZED);
    gov_params p = {.kind = GOV_KIND_ACTION,
                    .value = TX_TEST_ACTION,
                    .payload = ldg_enc_data(&pl),
                    .payload_len = ldg_enc_len(&pl)};
    uint64_t ok = propose(&R, &k_a, &p, 1);
    p.value = TX_TEST_ACTION_FAIL;
    uint64_t bad = propose(&R, &k_a, &p, 1);
    for (uint64_t i = ok; i <= bad; i++) {
        vote(&R, &k_a, i, GOV_VOTE_YES);
        vote(&R, &k_b, i, GOV_VOTE_YES);
    }
    block(&R);
    ck_assert_int_eq(get(&R, ok)->status, GOV_ACTIVATED);
    const uint8_t *v;
    size_t vl;
    bool found;
    ck_assert_int_eq(ldg_state_get(R.st, "Z", 1, &v, &vl, &found), LDG_OK);
    ck_assert(found);
    ldg_account committee;
    gov_committee_account(&committee);
    ck_assert_mem_eq(v, committee.b, LDG_ACCOUNT_LEN);
    uint32_t roles;
    memcpy(&roles, v + LDG_ACCOUNT_LEN, 4);
    ck_assert_uint_eq(roles, LDG_ROLE_COMMITTEE);
    gov_proposal *g = get(&R, bad);
    ck_assert_int_eq(g->status, GOV_FAILED);
    ck_assert_uint_eq(g->result, LDG_R_OVERFLOW);
    ck_assert_str_eq(g->detail, "the test handler refuses");
    ck_assert_int_eq(ldg_state_get(R.st, "Y", 1, &v, &vl, &found), LDG_OK);
    ck_assert(!found); /* the failed action left nothing */
    ldg_enc_free(&pl);
}
END_TEST

START_TEST(test_member_and_code_kinds)
{
    gov_params admit = {.kind = GOV_KIND_MEMBER_ADMIT, .account = a_out, .value = 4};
    gov_params code = {.kind = GOV_KIND_CODE_APPROVE};
    memset(code.hash, 0x11, 32);
    uint64_t i1 = propose(&R, &k_a, &admit, 1), i2 = propose(&R, &k_a, &code, 1);
    ck_assert_int_eq(propose_raw(&R, &k_a, &admit, R.env.height + 9, 1).code, LDG_R_OK);
    for (uint64_t i = i1; i <= i2; i++) {
        vote(&R, &k_a, i, GOV_VOTE_YES);
        vote(&R, &k_b, i, GOV_VOTE_YES);
    }
    block(&R);
    gov_committee c;
    ck_assert_int_eq(gov_committee_read(R.st, &c), LDG_OK);
    ck_assert_uint_eq(c.count, 4);
    ck_assert_uint_eq(c.total_weight, 10);
    ck_assert_uint_eq(param(&R, "gov.quorum_bps"), 6666);
    /* the code gate now passes this hash and no other */
    ldg_txctx tc = {.reg = R.reg, .st = R.st, .env = &R.env};
    ck_assert_int_eq(ldg_code_gate_run(&tc, code.hash), LDG_R_OK);
    uint8_t other[32] = {0};
    ck_assert_int_eq(ldg_code_gate_run(&tc, other), GOV_R_CODE_NOT_APPROVED);
    /* the new member votes with its weight */
    gov_params rv = {.kind = GOV_KIND_CODE_REVOKE};
    memcpy(rv.hash, code.hash, 32);
    uint64_t i3 = propose(&R, &k_out, &rv, 1);
    vote(&R, &k_out, i3, GOV_VOTE_YES);
    vote(&R, &k_b, i3, GOV_VOTE_YES);
    ck_assert_uint_eq(get(&R, i3)->yes, 6);
    ck_assert_int_eq(get(&R, i3)->status, GOV_OPEN); /* 6 of 10 < two thirds */
    vote(&R, &k_c, i3, GOV_VOTE_YES);
    ck_assert_int_eq(get(&R, i3)->status, GOV_PASSED);
    block(&R);
    ck_assert_int_eq(ldg_code_gate_run(&tc, code.hash), GOV_R_CODE_NOT_APPROVED);
    /* the duplicate admit, valid when proposed, fails at activation: a member already */
    uint64_t dup = i2 + 1;
    vote(&R, &k_a, dup, GOV_VOTE_YES);
    vote(&R, &k_b, dup, GOV_VOTE_YES);
    vote(&R, &k_out, dup, GOV_VOTE_YES);
    ck_assert_int_eq(get(&R, dup)->status, GOV_PASSED);
    block(&R);
    ck_assert_int_eq(get(&R, dup)->status, GOV_FAILED);
    ck_assert_uint_eq(get(&R, dup)->result, GOV_R_ALREADY_MEMBER);
    ck_assert_int_eq(gov_committee_read(R.st, &c), LDG_OK);
    ck_assert_uint_eq(c.total_weight, 10);
}
END_TEST

START_TEST(test_bounded_activations)
{
    /* 20 proposals passing in one block, activating at one height: 16 in the first block,
     * 4 in the next, in id order. */
    uint64_t first = 0;
    for (int i = 0; i < 20; i++) {
        gov_params p = {.kind = GOV_KIND_CODE_APPROVE};
        memset(p.hash, i + 1, 32);
        uint64_t id = propose(&R, &k_a, &p, 1);
        first = first ? first : id;
        vote(&R, &k_a, id, GOV_VOTE_YES);
        vote(&R, &k_b, id, GOV_VOTE_YES);
    }
    block(&R);
    for (uint64_t i = 0; i < 20; i++)
        ck_assert_int_eq(get(&R, first + i)->status,
                         i < GOV_ACTIVATIONS_PER_BLOCK ? GOV_ACTIVATED : GOV_PASSED);
    ck_assert(ldg_registry_work_due(R.reg, R.st, 0));
    block(&R);
    for (uint64_t i = 0; i < 20; i++)
        ck_assert_int_eq(get(&R, first + i)->status, GOV_ACTIVATED);
    ck_assert(!ldg_registry_work_due(R.reg, R.st, 0));
}
END_TEST

/* The same blocks on two replicas write the same state, whatever the seed's choices. */
START_TEST(test_determinism)
{
    uint64_t seed = tl_seed("governance", 16);
    tl_rng rng;
    tl_rng_init(&rng, seed);
    replica r2;
    replica_init(&r2, true);
    block(&r2);
    replica *rs[2] = {&R, &r2};
    const ldg_keypair *members[] = {&k_a, &k_b, &k_c, &k_out};
    for (int b = 0; b < 12; b++) {
        uint64_t kind = 1 + tl_rng_below(&rng, 7), who = tl_rng_below(&rng, 4);
        uint64_t target = 1 + tl_rng_below(&rng, 6), choice = 1 + tl_rng_below(&rng, 3);
        for (int k = 0; k < 2; k++) {
            gov_params p = {.kind = kind, .account = a_out, .value = 1};
            if (kind == GOV_KIND_PARAM_SET)
                snprintf(p.name, sizeof p.name, "chains.retention"), p.value = 100 + target;
            memset(p.hash, (int)target, 32);
            propose_raw(rs[k], members[who], &p, rs[k]->env.height + 3, 1 + target % 2);
            vote(rs[k], members[(who + 1) % 4], target, choice);
            vote(rs[k], members[(who + 2) % 4], target, GOV_VOTE_YES);
            block(rs[k]);
        }
    }
    ldg_hash d1, d2;
    writes_digest(R.st, &d1);
    writes_digest(r2.st, &d2);
    ck_assert_msg(!memcmp(d1.b, d2.b, LDG_HASH_LEN), "replicas differ (FOLIO_TEST_SEED=%llu)",
                  (unsigned long long)seed);
    replica_free(&r2);
}
END_TEST

/* validator-set (§6.9): refusals change nothing; a passed change is recorded at its
 * activation and the set of each height follows it; a second change waits; a change whose
 * activation comes too late for its height fails at activation. */
static gov_params valset_params(uint64_t op, const ldg_keypair *const *keys, uint32_t n,
                                uint64_t from)
{
    gov_params p = {.kind = GOV_KIND_VALIDATOR_SET, .value = op, .key_count = n, .height = from};
    for (uint32_t i = 0; i < n; i++)
        p.keys[i] = keys[i]->pub;
    return p;
}

static uint32_t set_at(uint64_t h, ldg_valset *v)
{
    ck_assert_int_eq(ldg_valset_at(R.st, h, v), LDG_OK);
    return v->count;
}

START_TEST(test_validator_set_kind)
{
    static ldg_valset v;
    ck_assert_uint_eq(set_at(1000, &v), 1); /* genesis: k_a */
    ck_assert(!memcmp(v.keys[0].b, k_a.pub.b, 32));
    uint64_t far = R.env.height + 1 + LDG_VALSET_LEAD + 5;
    const ldg_keypair *bc[] = {&k_b, &k_c}, *bb[] = {&k_b, &k_b}, *a1[] = {&k_a}, *b1[] = {&k_b};
    ldg_hash before, after;
    writes_digest_x(R.st, &before, false);
    gov_params p = valset_params(GOV_VALSET_ADD, bb, 2, far);
    ck_assert_int_eq(propose_raw(&R, &k_a, &p, R.env.height + 50, 1).code, GOV_R_VALSET_REPEAT);
    p = valset_params(GOV_VALSET_ADD, a1, 1, far);
    ck_assert_int_eq(propose_raw(&R, &k_a, &p, R.env.height + 50, 1).code, GOV_R_VALSET_REPEAT);
    p = valset_params(GOV_VALSET_REMOVE, b1, 1, far);
    ck_assert_int_eq(propose_raw(&R, &k_a, &p, R.env.height + 50, 1).code,
                     GOV_R_VALSET_NOT_VALIDATOR);
    p = valset_params(GOV_VALSET_REMOVE, a1, 1, far);
    ck_assert_int_eq(propose_raw(&R, &k_a, &p, R.env.height + 50, 1).code, GOV_R_VALSET_SIZE);
    p = valset_params(GOV_VALSET_ADD, bc, 2, far);
    memset(p.keys[1].b, 0xff, 32); /* above the field prime: no x-only key */
    ck_assert_int_eq(propose_raw(&R, &k_a, &p, R.env.height + 50, 1).code, GOV_R_VALSET_BAD_KEY);
    p = valset_params(GOV_VALSET_ADD, bc, 2, R.env.height + 3 + LDG_VALSET_LEAD - 1);
    ck_assert_int_eq(propose_raw(&R, &k_a, &p, R.env.height + 50, 3).code, GOV_R_VALSET_HEIGHT);
    p = valset_params(4, bc, 2, far);
    ck_assert_int_eq(propose_raw(&R, &k_a, &p, R.env.height + 50, 1).code, GOV_R_BAD_PARAMS);
    /* 64 more keys: 65 validators, one more than consensus runs (within the 100 a
     * certificate can carry) */
    p = (gov_params){.kind = GOV_KIND_VALIDATOR_SET, .value = GOV_VALSET_ADD, .height = far};
    for (uint32_t i = 0; i < NET_CONS_VALIDATORS_MAX; i++) {
        ldg_keypair k;
        tl_key(&k, 100 + i);
        p.keys[p.key_count++] = k.pub;
    }
    ck_assert_int_eq(propose_raw(&R, &k_a, &p, R.env.height + 50, 1).code, GOV_R_VALSET_SIZE);
    writes_digest_x(R.st, &after, false);
    ck_assert(!memcmp(before.b, after.b, LDG_HASH_LEN));
    /* add b and c from `far`: a (3) and b (2) of 6 pass it */
    p = valset_params(GOV_VALSET_ADD, bc, 2, far);
    uint64_t id = propose(&R, &k_a, &p, 1);
    ck_assert_int_eq(vote(&R, &k_a, id, GOV_VOTE_YES).code, LDG_R_OK);
    ck_assert_int_eq(vote(&R, &k_b, id, GOV_VOTE_YES).code, LDG_R_OK);
    ck_assert_int_eq(get(&R, id)->status, GOV_PASSED);
    block(&R); /* activation: recorded */
    ck_assert_int_eq(get(&R, id)->status, GOV_ACTIVATED);
    ck_assert_uint_eq(set_at(far - 1, &v), 1);
    ck_assert_uint_eq(set_at(far, &v), 3);
    ck_assert_uint_eq(v.from, far);
    ck_assert(!memcmp(v.keys[2].b, k_c.pub.b, 32));
    /* a second change while this one is not yet in force */
    p = valset_params(GOV_VALSET_REMOVE, b1, 1, far + 20);
    ck_assert_int_eq(propose_raw(&R, &k_a, &p, R.env.height + 50, 1).code, GOV_R_VALSET_PENDING);
    while (R.env.height < far)
        block(&R);
    /* in force: remove b from far + 20, proposed now, passed late: its activation is too
     * close to its height, so it FAILS there and changes nothing */
    uint64_t late = R.env.height + 1 + LDG_VALSET_LEAD;
    p = valset_params(GOV_VALSET_REMOVE, b1, 1, late + 1);
    id = propose(&R, &k_a, &p, 1);
    block(&R);
    block(&R);
    ck_assert_int_eq(vote(&R, &k_a, id, GOV_VOTE_YES).code, LDG_R_OK);
    ck_assert_int_eq(vote(&R, &k_b, id, GOV_VOTE_YES).code, LDG_R_OK);
    block(&R);
    gov_proposal *g = get(&R, id);
    ck_assert_int_eq(g->status, GOV_FAILED);
    ck_assert_uint_eq(g->result, GOV_R_VALSET_HEIGHT);
    ck_assert_uint_eq(set_at(late + 1, &v), 3);
}
END_TEST

/* block.max_txs and block.max_bytes: refused outside [floor, ceiling] with
 * GOV_R_PARAM_RANGE, an unknown block.* name with GOV_R_UNKNOWN_PARAM; a passed change is in
 * force for the blocks after its activation height, not before (the registry's limits read
 * the state after each block), and the default is the ceiling. */
START_TEST(test_block_limit_params)
{
    ldg_block_limits lim;
    ck_assert_int_eq(ldg_block_limits_read(R.reg, R.st, &lim), LDG_OK);
    ck_assert_uint_eq(lim.max_txs, LDG_BLOCK_TX_MAX);
    ck_assert_uint_eq(lim.max_bytes, LDG_BLOCK_SIZE_MAX);
    const struct {
        const char *name;
        uint64_t value;
        ldg_result want;
    } bad[] = {
        {"block.max_txs", LDG_BLOCK_TX_FLOOR - 1, GOV_R_PARAM_RANGE},
        {"block.max_txs", LDG_BLOCK_TX_MAX + 1, GOV_R_PARAM_RANGE},
        {"block.max_txs", 0, GOV_R_PARAM_RANGE},
        {"block.max_bytes", LDG_BLOCK_SIZE_FLOOR - 1, GOV_R_PARAM_RANGE},
        {"block.max_bytes", (uint64_t)LDG_BLOCK_SIZE_MAX + 1, GOV_R_PARAM_RANGE},
        {"block.max_gas", 1000, GOV_R_UNKNOWN_PARAM},
        {"block.max_tx", 500, GOV_R_UNKNOWN_PARAM},
    };
    for (size_t i = 0; i < LDG_ARRAY_LEN(bad); i++) {
        gov_params q = {.kind = GOV_KIND_PARAM_SET, .value = bad[i].value};
        snprintf(q.name, sizeof q.name, "%s", bad[i].name);
        ldg_receipt rc = propose_raw(&R, &k_a, &q, R.env.height + 5, 1);
        ck_assert_msg(rc.code == bad[i].want, "%s %llu: %s", bad[i].name,
                      (unsigned long long)bad[i].value, ldg_result_name(rc.code));
        if (bad[i].want == GOV_R_PARAM_RANGE)
            ck_assert_msg(strstr(rc.detail, bad[i].name), "%s", rc.detail);
    }
    /* the bounds themselves pass */
    gov_params lo = {
        .kind = GOV_KIND_PARAM_SET, .name = "block.max_bytes", .value = LDG_BLOCK_SIZE_FLOOR};
    uint64_t id_b = propose(&R, &k_a, &lo, 2);
    gov_params p = {.kind = GOV_KIND_PARAM_SET, .name = "block.max_txs", .value = 500};
    uint64_t id = propose(&R, &k_a, &p, 4);
    for (uint64_t i = id_b; i <= id; i++) {
        vote(&R, &k_a, i, GOV_VOTE_YES);
        vote(&R, &k_b, i, GOV_VOTE_YES);
    }
    uint64_t at = get(&R, id)->activation_height, at_b = get(&R, id_b)->activation_height;
    ck_assert_uint_eq(at, R.env.height + 4);
    ck_assert_uint_eq(at_b, R.env.height + 2);
    /* Value by height: the limits for block H+1 are those of the state after block H. */
    while (R.env.height < at + 1) {
        ck_assert_int_eq(ldg_block_limits_read(R.reg, R.st, &lim), LDG_OK);
        uint64_t h = R.env.height; /* the state after h: the limits of block h + 1 */
        ck_assert_uint_eq(lim.max_txs, h >= at ? 500 : LDG_BLOCK_TX_MAX);
        ck_assert_uint_eq(lim.max_bytes, h >= at_b ? LDG_BLOCK_SIZE_FLOOR : LDG_BLOCK_SIZE_MAX);
        block(&R);
    }
    ck_assert_int_eq(get(&R, id)->status, GOV_ACTIVATED);
    ck_assert_uint_eq(param(&R, "block.max_txs"), 500);
}
END_TEST

START_TEST(test_proposal_decoder)
{
    gov_proposal_in in;
    char why[128];
    const char *cases[] = {
        "\x93\x01\x90\x01",                     /* three fields */
        "\x94\x0a\x90\x05\x01",                 /* kind 10 */
        "\x94\x01\x91\x01\x05\x01",             /* admit without a weight */
        "\x94\x05\x91\xc4\x01\x00\x05\x01",     /* a 1-byte code hash */
        "\x94\x07\x92\xa0\x01\x05\x01",         /* an empty parameter name */
        "\x94\x08\x92\x00\xc4\x01\x00\x05\x01", /* action type 0 */
    };
    const size_t lens[] = {4, 5, 6, 8, 7, 9};
    const ldg_result want[] = {LDG_R_BAD_PAYLOAD, GOV_R_BAD_KIND,   GOV_R_BAD_PARAMS,
                               GOV_R_BAD_PARAMS,  GOV_R_BAD_PARAMS, GOV_R_BAD_PARAMS};
    for (size_t i = 0; i < LDG_ARRAY_LEN(cases); i++) {
        ldg_dec d;
        ck_assert_int_eq(ldg_decode(&d, (const uint8_t *)cases[i], lens[i]), LDG_OK);
        ck_assert_msg(gov_proposal_decode(d.root, &in, why, sizeof why) == want[i], "case %zu: %s",
                      i, why);
        ldg_dec_free(&d);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("governance");
    TCase *t = tcase_create("gov");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, test_tally_boundaries);
    tcase_add_test(t, test_genesis_committee);
    tcase_add_test(t, test_genesis_document);
    tcase_add_test(t, test_weighted_pass_and_staged_activation);
    tcase_add_test(t, test_refusals_change_nothing);
    tcase_add_test(t, test_quorum_break);
    tcase_add_test(t, test_expiry);
    tcase_add_test(t, test_committee_action);
    tcase_add_test(t, test_member_and_code_kinds);
    tcase_add_test(t, test_bounded_activations);
    tcase_add_test(t, test_determinism);
    tcase_add_test(t, test_proposal_decoder);
    tcase_add_test(t, test_validator_set_kind);
    tcase_add_test(t, test_block_limit_params);
    suite_add_tcase(s, t);
    return tl_run(s);
}
