/* A seeded simulation of one main chain and several sub-chains in one process (like
 * tests/net/test_consensus_sim.c): sub-chains with real keys produce blocks and relay
 * checkpoints, stall, equivocate (sign two blocks at one height, or a successor that does not
 * extend the last anchored block; or one validator alone votes for two blocks at one height,
 * caught by duplicate-vote evidence, which is also replayed), change validator sets, receive forged
 * relays, and are unfrozen by the committee. A model kept beside the registry says what the main
 * chain's view must be, and it is compared with the registry at every main-chain height. */
#include "chains/chn_testkit.h"
#include "testlib.h"

#define SUBS 6
#define STEPS 400
#define STEP_MS 1000ULL

typedef struct sim_sub {
    char id[CHN_ID_LEN_MAX + 1];
    tk_sub s;
    uint64_t period;
    /* the signing set: keys[] until switch_at, then next[] */
    uint32_t next_n;
    ldg_keypair next[LDG_VALIDATORS_MAX];
    uint64_t switch_at; /* 0: no change announced */
    uint64_t stall_until_step;
    uint64_t set_since; /* the registry keeps the set from this height */
    /* duplicate-vote offences recorded (key, height) */
    uint32_t offences;
    ldg_pubkey off_key[64];
    uint64_t off_h[64];
    /* the model of the registry's view */
    uint64_t status, last_height, deadline;
} sim_sub;

/* Two replicas of the main chain get the same blocks and transactions: their registries must
 * agree byte for byte at every height (statuses depend on main-chain blocks alone). */
static tk_main M, M2;
static sim_sub subs[SUBS];
static tl_rng rng;
static uint64_t anchors, freezes, stales, refusals, set_changes, pauses, dupvotes, replays;

static const ldg_keypair *signers(const sim_sub *x, uint64_t h, uint32_t *n)
{
    if (x->switch_at && h >= x->switch_at) {
        *n = x->next_n;
        return x->next;
    }
    *n = x->s.n;
    return x->s.keys;
}

/* A quorum (or more) of the set, chosen at random. */
static uint64_t quorum_mask(uint32_t n)
{
    uint64_t mask = 0;
    uint32_t need = ldg_quorum(n) + (uint32_t)tl_rng_below(&rng, n - ldg_quorum(n) + 1), have = 0;
    while (have < need) {
        uint32_t i = (uint32_t)tl_rng_below(&rng, n);
        if (!(mask >> i & 1)) {
            mask |= 1ULL << i;
            have++;
        }
    }
    return mask;
}

static ldg_result relay(sim_sub *x, const ldg_enc *h, uint64_t height, uint64_t mask,
                        const ldg_keypair *keys, uint32_t n, ldg_receipt *rc)
{
    ldg_cert c;
    tk_cert(&c, &x->s, keys, n, height, ldg_enc_data(h), ldg_enc_len(h), mask);
    ldg_receipt rc2;
    ldg_result r = tk_checkpoint(&M, x->id, h, &c, rc);
    ck_assert_int_eq(tk_checkpoint(&M2, x->id, h, &c, &rc2), r);
    ck_assert_str_eq(rc2.detail, rc->detail);
    return r;
}

static void committee_id(uint16_t type, const char *id)
{
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 1);
    ldg_enc_str(&e, id);
    ck_assert_int_eq(tk_committee(&M, type, &e, NULL, 0), LDG_R_OK);
    ck_assert_int_eq(tk_committee(&M2, type, &e, NULL, 0), LDG_R_OK);
    ldg_enc_free(&e);
}

/* The honest path: produce blocks, relay the tip with a quorum of the right set. */
static void honest(sim_sub *x, ldg_enc *h)
{
    tk_advance(&x->s, 1 + tl_rng_below(&rng, 3), 300, h);
    if (tl_rng_below(&rng, 100) >= 60)
        return;
    uint32_t n;
    const ldg_keypair *keys = signers(x, x->s.height, &n);
    ldg_receipt rc;
    ldg_result r = relay(x, h, x->s.height, quorum_mask(n), keys, n, &rc);
    if (x->status == CHN_FROZEN || x->status == CHN_PAUSED) {
        ck_assert_int_eq(r, x->status == CHN_FROZEN ? CHN_R_FROZEN : CHN_R_PAUSED);
        return;
    }
    ck_assert_msg(r == LDG_R_OK, "%s: honest checkpoint %llu refused %u (%s)", x->id,
                  (unsigned long long)x->s.height, r, rc.detail);
    ck_assert_uint_eq(rc.data[0], 1);
    x->status = CHN_ACTIVE;
    x->last_height = x->s.height;
    x->deadline = M.env.time_ms + x->period;
    if (x->switch_at && x->s.height >= x->switch_at) { /* the registry promoted the set */
        x->s.n = x->next_n;
        memcpy(x->s.keys, x->next, sizeof x->next);
        x->set_since = x->switch_at;
        x->switch_at = 0;
    }
    anchors++;
}

/* Forged relays: never accepted, never change the view. */
static void forge(sim_sub *x, ldg_enc *h)
{
    uint32_t n;
    const ldg_keypair *keys = signers(x, x->s.height + 1, &n);
    tk_header(h, &x->s, x->s.height + 1, &x->s.tip, x->s.time_ms + 1, 7);
    ldg_receipt rc;
    ldg_result r;
    if (tl_rng_below(&rng, 2)) { /* one signature short of a quorum */
        uint64_t m = 0;
        for (uint32_t i = 0; i < ldg_quorum(n) - 1; i++)
            m |= 1ULL << i;
        r = relay(x, h, x->s.height + 1, m, keys, n, &rc);
        ck_assert_int_eq(r, x->status == CHN_FROZEN   ? CHN_R_FROZEN
                            : x->status == CHN_PAUSED ? CHN_R_PAUSED
                                                      : CHN_R_FEW_SIGNERS);
    } else { /* signed by outsiders */
        ldg_keypair out[LDG_VALIDATORS_MAX];
        tk_keys(out, n, 31337 + (uint32_t)tl_rng_below(&rng, 1000));
        r = relay(x, h, x->s.height + 1, tk_all(n), out, n, &rc);
        ck_assert_int_eq(r, x->status == CHN_FROZEN   ? CHN_R_FROZEN
                            : x->status == CHN_PAUSED ? CHN_R_PAUSED
                                                      : CHN_R_BAD_SIGNER);
    }
    refusals++;
}

/* The sub-chain's validators sign a second block at its last anchored height, or a successor
 * of it that does not extend it. */
static void equivocate(sim_sub *x, ldg_enc *h)
{
    if (x->last_height == 0 || x->status == CHN_FROZEN || x->status == CHN_PAUSED)
        return;
    bool fork = tl_rng_below(&rng, 2) && x->last_height == x->s.height;
    uint64_t ht = fork ? x->last_height + 1 : x->last_height;
    uint32_t n;
    const ldg_keypair *keys = signers(x, ht, &n);
    tk_header(h, &x->s, ht, &(ldg_hash){{0xee}}, x->s.time_ms,
              (uint8_t)(1 + tl_rng_below(&rng, 200)));
    ldg_receipt rc;
    ck_assert_int_eq(relay(x, h, ht, quorum_mask(n), keys, n, &rc), LDG_R_OK);
    ck_assert_uint_eq(rc.data[0], 2);
    if (x->status == CHN_ACTIVE || x->status == CHN_STALE)
        x->status = CHN_FROZEN;
    freezes++;
}

/* One validator alone votes for two blocks at one height, round and step; an honest node
 * relays the pair as chain.evidence. Or a recorded offence is relayed again. */
static void dupvote(sim_sub *x)
{
    if (x->status == CHN_PAUSED && tl_rng_below(&rng, 2))
        return;
    bool replay = x->offences > 0 && tl_rng_below(&rng, 3) == 0;
    uint64_t lo = x->set_since > 1 ? x->set_since : 1, ht;
    const ldg_keypair *kp;
    uint32_t n;
    if (replay) {
        uint32_t j = (uint32_t)tl_rng_below(&rng, x->offences);
        ht = x->off_h[j];
        const ldg_keypair *keys = signers(x, ht, &n);
        for (kp = keys; kp < keys + n && memcmp(kp->pub.b, x->off_key[j].b, LDG_PUBKEY_LEN); kp++)
            ;
        if (kp == keys + n || ht < lo)
            return; /* its set is no longer the one kept: the registry would say CHN_OLD_SET */
    } else {
        ht = lo + tl_rng_below(&rng, x->s.height + 3 - lo);
        const ldg_keypair *keys = signers(x, ht, &n);
        kp = &keys[tl_rng_below(&rng, n)];
    }
    uint64_t round = tl_rng_below(&rng, 3), type = 2 + tl_rng_below(&rng, 2);
    chn_vote a = tk_vote(&x->s, kp, ht, round, type, (uint8_t)(1 + tl_rng_below(&rng, 100)), NULL);
    chn_vote b =
        tk_vote(&x->s, kp, ht, round, type, (uint8_t)(101 + tl_rng_below(&rng, 100)), NULL);
    bool known = false;
    for (uint32_t j = 0; j < x->offences; j++)
        known |= x->off_h[j] == ht && !memcmp(x->off_key[j].b, kp->pub.b, LDG_PUBKEY_LEN);
    ldg_receipt rc, rc2;
    ldg_result r = tk_evidence(&M, x->id, &kp->pub, &a, &b, &rc);
    ck_assert_int_eq(tk_evidence(&M2, x->id, &kp->pub, &a, &b, &rc2), r);
    ck_assert_str_eq(rc2.detail, rc.detail);
    if (known) {
        ck_assert_int_eq(r, CHN_R_EV_KNOWN);
        replays++;
        return;
    }
    ck_assert_msg(r == LDG_R_OK, "%s: evidence at %llu refused %u (%s)", x->id,
                  (unsigned long long)ht, r, rc.detail);
    ck_assert_uint_eq(rc.data[0], 2);
    ck_assert_uint_lt(x->offences, 64);
    x->off_key[x->offences] = kp->pub;
    x->off_h[x->offences++] = ht;
    x->status = CHN_FROZEN;
    dupvotes++;
    /* every other honest member relays its copy: the pair the other way round */
    ck_assert_int_eq(tk_evidence(&M, x->id, &kp->pub, &b, &a, &rc), CHN_R_EV_KNOWN);
    ck_assert_int_eq(tk_evidence(&M2, x->id, &kp->pub, &b, &a, &rc2), CHN_R_EV_KNOWN);
    replays++;
}

static void change_set(sim_sub *x)
{
    if (x->switch_at)
        return;
    uint32_t n = 4 + (uint32_t)tl_rng_below(&rng, 13);
    tk_keys(x->next, n, 5000 + (uint32_t)tl_rng_below(&rng, 1u << 20));
    x->next_n = n;
    uint64_t from = (x->s.height > x->last_height ? x->s.height : x->last_height) + 2;
    ldg_enc e;
    ldg_enc_init(&e);
    ldg_enc_array(&e, 3);
    ldg_enc_str(&e, x->id);
    ldg_enc_u64(&e, from);
    tk_enc_keys(&e, x->next, n);
    ck_assert_int_eq(tk_committee(&M, CHN_TX_SET_VALIDATORS, &e, NULL, 0), LDG_R_OK);
    ck_assert_int_eq(tk_committee(&M2, CHN_TX_SET_VALIDATORS, &e, NULL, 0), LDG_R_OK);
    ldg_enc_free(&e);
    x->switch_at = from;
    set_changes++;
}

/* The registry's keys and values ('M' namespace), concatenated, of one replica. */
typedef struct dump {
    ldg_enc e;
} dump;

static bool dump_row(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    dump *d = arg;
    ldg_enc_bin(&d->e, k, kl);
    ldg_enc_bin(&d->e, v, vl);
    return true;
}

static void replicas_agree(void)
{
    dump a, b;
    ldg_enc_init(&a.e);
    ldg_enc_init(&b.e);
    const uint8_t ns = CHN_KEY_NS;
    ck_assert_int_eq(ldg_state_scan(M.st, &ns, 1, SIZE_MAX, dump_row, &a), LDG_OK);
    ck_assert_int_eq(ldg_state_scan(M2.st, &ns, 1, SIZE_MAX, dump_row, &b), LDG_OK);
    ck_assert_uint_eq(ldg_enc_len(&a.e), ldg_enc_len(&b.e));
    ck_assert_msg(!memcmp(ldg_enc_data(&a.e), ldg_enc_data(&b.e), ldg_enc_len(&a.e)),
                  "the replicas' registries differ at height %llu",
                  (unsigned long long)M.env.height);
    ldg_enc_free(&a.e);
    ldg_enc_free(&b.e);
}

/* Compares the registry with the model, and the replicas with each other. */
static void check_view(void)
{
    replicas_agree();
    for (int i = 0; i < SUBS; i++) {
        sim_sub *x = &subs[i];
        chn_record r = tk_record(&M, x->id);
        ck_assert_msg(r.status == x->status, "height %llu: %s is %s, the model says %s",
                      (unsigned long long)M.env.height, x->id, chn_status_name(r.status),
                      chn_status_name(x->status));
        ck_assert_uint_eq(r.last_height, x->last_height);
        if (x->status == CHN_ACTIVE)
            ck_assert_uint_eq(r.deadline_ms, x->deadline);
    }
}

START_TEST(consortium)
{
    tl_rng_init(&rng, tl_seed("chains_sim", 0x5ec0c4a1));
    tk_main_init(&M);
    tk_main_init(&M2);
    ldg_enc h;
    ldg_enc_init(&h);
    for (int i = 0; i < SUBS; i++) {
        sim_sub *x = &subs[i];
        memset(x, 0, sizeof *x);
        snprintf(x->id, sizeof x->id, "sub%d", i);
        char cid[32];
        snprintf(cid, sizeof cid, "chain-%d", i);
        tk_sub_init(&x->s, cid, i % 2 ? 16 : 4, 100 + (uint32_t)i);
        x->period = (3 + tl_rng_below(&rng, 8)) * STEP_MS;
        ck_assert_int_eq(tk_create(&M, x->id, &x->s, x->period), LDG_R_OK);
        ck_assert_int_eq(tk_create(&M2, x->id, &x->s, x->period), LDG_R_OK);
        x->status = CHN_ACTIVE;
        x->deadline = M.env.time_ms + x->period;
    }
    for (int step = 1; step <= STEPS; step++) {
        uint64_t now = M.env.time_ms + STEP_MS;
        tk_block(&M, now);
        tk_block(&M2, now);
        for (int i = 0; i < SUBS; i++) /* the model's hook: STALE past the deadline */
            if (subs[i].status == CHN_ACTIVE && now > subs[i].deadline) {
                subs[i].status = CHN_STALE;
                stales++;
            }
        check_view();
        for (int i = 0; i < SUBS; i++) {
            sim_sub *x = &subs[i];
            uint64_t dice = tl_rng_below(&rng, 1000);
            if ((uint64_t)step < x->stall_until_step)
                continue; /* stalled: produces and relays nothing */
            if (dice < 15)
                x->stall_until_step = (uint64_t)step + 5 + tl_rng_below(&rng, 20);
            else if (dice < 22)
                equivocate(x, &h);
            else if (dice < 30)
                dupvote(x);
            else if (dice < 40)
                forge(x, &h);
            else if (dice < 48)
                change_set(x);
            else if (dice < 54 && (x->status == CHN_ACTIVE || x->status == CHN_STALE)) {
                committee_id(CHN_TX_PAUSE, x->id);
                x->status = CHN_PAUSED;
                pauses++;
            } else if (dice < 90 && x->status == CHN_PAUSED) {
                committee_id(CHN_TX_RESUME, x->id);
                x->status = CHN_ACTIVE;
                x->deadline = now + x->period;
            } else if (dice < 80 && x->status == CHN_FROZEN) {
                committee_id(CHN_TX_UNFREEZE, x->id);
                x->status = CHN_ACTIVE;
                x->deadline = now + x->period;
            } else
                honest(x, &h);
        }
        check_view();
    }
    printf("chains_sim: %d main blocks, %llu anchors, %llu stale marks, %llu freezes, %llu "
           "forged relays refused, %llu set changes, %llu pauses, %llu duplicate votes caught "
           "(%llu replays refused)\n",
           STEPS, (unsigned long long)anchors, (unsigned long long)stales,
           (unsigned long long)freezes, (unsigned long long)refusals,
           (unsigned long long)set_changes, (unsigned long long)pauses,
           (unsigned long long)dupvotes, (unsigned long long)replays);
    ck_assert_uint_gt(anchors, 100);
    ck_assert_uint_gt(stales, 3);
    ck_assert_uint_gt(freezes, 3);
    ck_assert_uint_gt(set_changes, 3);
    ck_assert_uint_gt(pauses, 2);
    ck_assert_uint_gt(dupvotes, 3);
    ck_assert_uint_gt(replays, 0);
    ldg_enc_free(&h);
    tk_main_free(&M);
    tk_main_free(&M2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chains_sim");
    TCase *tc = tcase_create("sim");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, consortium);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
