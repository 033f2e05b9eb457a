/* gov.propose, gov.vote, the tally, the activation and expiry block hook, the code gate
 * (specs/governance.md §4, §7-§8). */
#include "gov_module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ldg_result_info gov_results[] = {
    {GOV_R_NOT_MEMBER, "GOV_NOT_MEMBER", "the account is not a member of the governance committee"},
    {GOV_R_UNKNOWN_PROPOSAL, "GOV_UNKNOWN_PROPOSAL", "no governance proposal with this id"},
    {GOV_R_PROPOSAL_EXPIRED, "GOV_PROPOSAL_EXPIRED",
     "the proposal's expiry height has passed: it takes no more votes"},
    {GOV_R_PROPOSAL_CLOSED, "GOV_PROPOSAL_CLOSED",
     "the proposal is no longer open for votes (passed, activated, failed or expired)"},
    {GOV_R_ALREADY_VOTED, "GOV_ALREADY_VOTED", "this member has already voted on the proposal"},
    {GOV_R_BAD_CHOICE, "GOV_BAD_CHOICE", "a vote is yes (1), no (2) or abstain (3)"},
    {GOV_R_BAD_KIND, "GOV_BAD_KIND", "unknown proposal kind"},
    {GOV_R_BAD_PARAMS, "GOV_BAD_PARAMS", "the proposal's parameters do not fit its kind"},
    {GOV_R_BAD_EXPIRY, "GOV_BAD_EXPIRY",
     "the expiry height must be after the current height and within gov.voting_blocks_max"},
    {GOV_R_BAD_DELAY, "GOV_BAD_DELAY",
     "the activation delay is below gov.activation_delay_min or above the limit"},
    {GOV_R_TOO_MANY_PROPOSALS, "GOV_TOO_MANY_PROPOSALS",
     "the committee already has the most open proposals it may have"},
    {GOV_R_ALREADY_MEMBER, "GOV_ALREADY_MEMBER", "the account is already a committee member"},
    {GOV_R_QUORUM_BREAK, "GOV_QUORUM_BREAK",
     "the change would leave the committee fewer members than gov.members_min: no quorum"},
    {GOV_R_COMMITTEE_FULL, "GOV_COMMITTEE_FULL", "the committee has the most members it may have"},
    {GOV_R_CODE_NOT_APPROVED, "GOV_CODE_NOT_APPROVED",
     "the contract's code hash is not approved by the governance committee"},
    {GOV_R_NOT_COMMITTEE_ACTION, "GOV_NOT_COMMITTEE_ACTION",
     "the transaction type is not one the committee performs"},
    {GOV_R_UNKNOWN_PARAM, "GOV_UNKNOWN_PARAM", "no governed parameter with this name"},
    {GOV_R_PARAM_RANGE, "GOV_PARAM_RANGE", "the value is outside the parameter's bounds"},
    {GOV_R_CODE_APPROVED, "GOV_CODE_APPROVED", "this code hash is already approved"},
    {GOV_R_PROPOSAL_TOO_LARGE, "GOV_PROPOSAL_TOO_LARGE",
     "the proposal's parameters are larger than the limit"},
    {GOV_R_CODE_UNKNOWN, "GOV_CODE_UNKNOWN", "this code hash is not approved, so not revocable"},
    {GOV_R_VALSET_SIZE, "GOV_VALSET_SIZE",
     "the validator set would have fewer than 1 or more than 64 validators"},
    {GOV_R_VALSET_BAD_KEY, "GOV_VALSET_BAD_KEY", "a validator key is not a valid x-only key"},
    {GOV_R_VALSET_REPEAT, "GOV_VALSET_REPEAT",
     "a validator key is named twice, or added while it is a validator already"},
    {GOV_R_VALSET_NOT_VALIDATOR, "GOV_VALSET_NOT_VALIDATOR",
     "a key to remove from the validator set is not a validator"},
    {GOV_R_VALSET_HEIGHT, "GOV_VALSET_HEIGHT",
     "the effective height of a validator-set change is not far enough in the future"},
    {GOV_R_VALSET_PENDING, "GOV_VALSET_PENDING",
     "another change of the validator set is recorded and not yet in force"},
    {GOV_R_VALSET_TOO_MANY, "GOV_VALSET_TOO_MANY",
     "the chain has recorded the most validator-set changes it may"},
};

static const uint8_t KEY_NEXT_ID[2] = {'G', 'n'};
static const uint8_t KEY_OPEN[2] = {'G', 'o'};
/* Passed proposals waiting for their activation: the hook and the work-due check read this
 * one (cached) key instead of scanning the index on every block. */
static const uint8_t KEY_PENDING[2] = {'G', 'q'};

/* 'G' sub be64(height) be64(id): the expiry ('e') and activation ('a') indexes. */
static void index_key(uint8_t key[18], char sub, uint64_t height, uint64_t id)
{
    gov_key_id(key, sub, height);
    for (int i = 0; i < 8; i++)
        key[10 + i] = (uint8_t)(id >> (56 - 8 * i));
}

static void put_id(ldg_txctx *c, uint64_t id)
{
    for (int i = 0; i < 8; i++)
        c->data[i] = (uint8_t)(id >> (56 - 8 * i));
    c->data_len = 8;
}

/* The sender's weight (0: not a member); materialises a derived committee first. */
static ldg_result sender_member(ldg_txctx *c, gov_committee *com, uint64_t *weight)
{
    if (gov_committee_materialise(c->st, com) != LDG_OK)
        return LDG_R_STORE_FAILED;
    for (uint32_t i = 0; i < com->count; i++)
        if (!memcmp(com->members[i].account.b, c->sender.b, LDG_ACCOUNT_LEN)) {
            *weight = com->members[i].weight;
            return LDG_R_OK;
        }
    return GOV_R_NOT_MEMBER;
}

static ldg_result check_timing(ldg_txctx *c, const gov_proposal_in *in)
{
    uint64_t vmax, dmin, h = c->env->height;
    if (gov_param_get(c->st, "gov.voting_blocks_max", &vmax) != LDG_OK ||
        gov_param_get(c->st, "gov.activation_delay_min", &dmin) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (in->expiry_height <= h || in->expiry_height - h > vmax) {
        ldg_txctx_detail(c, "expiry height %llu: it must be %llu to %llu",
                         (unsigned long long)in->expiry_height, (unsigned long long)h + 1,
                         (unsigned long long)(h + vmax));
        return GOV_R_BAD_EXPIRY;
    }
    if (in->delay < dmin || in->delay > GOV_ACTIVATION_DELAY_MAX) {
        ldg_txctx_detail(c, "activation delay %llu: it must be %llu to %d",
                         (unsigned long long)in->delay, (unsigned long long)dmin,
                         GOV_ACTIVATION_DELAY_MAX);
        return GOV_R_BAD_DELAY;
    }
    return LDG_R_OK;
}

static ldg_result propose_write(ldg_txctx *c, const gov_proposal_in *in, gov_proposal *p,
                                uint64_t id, uint64_t open);

/* gov.propose: [kind, params, expiry_height, delay] by a member. */
static ldg_result apply_propose(ldg_txctx *c, const msgpack_object *payload)
{
    gov_proposal_in in;
    ldg_result r = gov_proposal_decode(payload, &in, c->detail, sizeof c->detail);
    if (r != LDG_R_OK)
        return r;
    gov_committee com;
    uint64_t weight = 0, open, next;
    if ((r = sender_member(c, &com, &weight)) != LDG_R_OK)
        return r;
    if ((r = check_timing(c, &in)) != LDG_R_OK)
        return r;
    if (ldg_state_get_u64(c->st, KEY_OPEN, sizeof KEY_OPEN, &open) != LDG_OK ||
        ldg_state_get_u64(c->st, KEY_NEXT_ID, sizeof KEY_NEXT_ID, &next) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (open >= GOV_OPEN_PROPOSALS_MAX)
        return GOV_R_TOO_MANY_PROPOSALS;
    r = gov_kind_check(c->reg, c->st, c->env->height, in.delay, &in.params, c->detail,
                       sizeof c->detail);
    if (r != LDG_R_OK)
        return r;
    gov_proposal *pp = calloc(1, sizeof *pp); /* 16 KiB: not on the stack */
    LDG_ASSERT(pp);
    r = propose_write(c, &in, pp, next ? next : 1, open);
    free(pp);
    return r;
}

static ldg_result propose_write(ldg_txctx *c, const gov_proposal_in *in, gov_proposal *p,
                                uint64_t id, uint64_t open)
{
    p->id = id;
    p->proposer = c->sender;
    p->kind = in->params.kind;
    ldg_enc e;
    ldg_enc_init(&e);
    gov_params_encode(&e, &in->params);
    if (ldg_enc_len(&e) > GOV_PROPOSAL_SIZE_MAX) {
        ldg_enc_free(&e);
        return GOV_R_PROPOSAL_TOO_LARGE;
    }
    memcpy(p->params, ldg_enc_data(&e), ldg_enc_len(&e));
    p->params_len = ldg_enc_len(&e);
    ldg_enc_free(&e);
    p->height = c->env->height;
    p->expiry_height = in->expiry_height;
    p->delay = in->delay;
    p->status = GOV_OPEN;
    p->activation_height = p->result = 0;
    p->detail[0] = '\0';
    gov_proposal_put(c->st, p);
    uint8_t ek[18];
    index_key(ek, 'e', p->expiry_height, p->id);
    ldg_state_put(c->st, ek, sizeof ek, "", 0);
    ldg_state_put_u64(c->st, KEY_NEXT_ID, sizeof KEY_NEXT_ID, p->id + 1);
    ldg_state_put_u64(c->st, KEY_OPEN, sizeof KEY_OPEN, open + 1);
    put_id(c, p->id);
    return LDG_R_OK;
}

/* Whether the tally passes: participation (yes + no + abstain) >= quorum_bps of the total
 * weight, and yes >= approval_bps of (yes + no), yes > 0. Integers only: both sides times
 * 10000 (bounded: limits.h). */
bool gov_tally_passes(uint64_t yes, uint64_t no, uint64_t abstain, uint64_t total,
                      uint64_t quorum_bps, uint64_t approval_bps)
{
    uint64_t cast = yes + no + abstain;
    return yes > 0 && total > 0 && cast * 10000 >= total * quorum_bps &&
           yes * 10000 >= (yes + no) * approval_bps;
}

static ldg_result record_vote(ldg_txctx *c, gov_proposal *p, uint64_t choice, uint64_t weight)
{
    if (choice == GOV_VOTE_YES)
        p->yes += weight;
    else if (choice == GOV_VOTE_NO)
        p->no += weight;
    else
        p->abstain += weight;
    uint8_t vk[10 + LDG_ACCOUNT_LEN];
    gov_key_id(vk, 'v', p->id);
    memcpy(vk + 10, c->sender.b, LDG_ACCOUNT_LEN);
    ldg_state_put_u64(c->st, vk, sizeof vk, choice);
    return LDG_R_OK;
}

/* Passed: leaves the expiry index for the activation index at height + delay. */
static ldg_result pass(ldg_txctx *c, gov_proposal *p)
{
    uint64_t open;
    if (ldg_state_get_u64(c->st, KEY_OPEN, sizeof KEY_OPEN, &open) != LDG_OK)
        return LDG_R_STORE_FAILED;
    p->status = GOV_PASSED;
    p->activation_height = c->env->height + p->delay;
    uint8_t k[18];
    index_key(k, 'e', p->expiry_height, p->id);
    ldg_state_del(c->st, k, sizeof k);
    index_key(k, 'a', p->activation_height, p->id);
    ldg_state_put(c->st, k, sizeof k, "", 0);
    ldg_state_put_u64(c->st, KEY_OPEN, sizeof KEY_OPEN, open ? open - 1 : 0);
    uint64_t pending;
    if (ldg_state_get_u64(c->st, KEY_PENDING, sizeof KEY_PENDING, &pending) != LDG_OK)
        return LDG_R_STORE_FAILED;
    ldg_state_put_u64(c->st, KEY_PENDING, sizeof KEY_PENDING, pending + 1);
    return LDG_R_OK;
}

static ldg_result vote_on(ldg_txctx *c, gov_proposal *p, uint64_t id, uint64_t choice,
                          const gov_committee *com, uint64_t weight);

/* gov.vote: [proposal id, choice] by a member, once per proposal. */
static ldg_result apply_vote(ldg_txctx *c, const msgpack_object *payload)
{
    const msgpack_object *f;
    uint64_t id, choice, weight = 0;
    if (!ldg_obj_array(payload, 2, &f) || !ldg_obj_u64(&f[0], &id) || !ldg_obj_u64(&f[1], &choice))
        return LDG_R_BAD_PAYLOAD;
    if (choice < GOV_VOTE_YES || choice > GOV_VOTE_ABSTAIN)
        return GOV_R_BAD_CHOICE;
    gov_committee com;
    ldg_result r = sender_member(c, &com, &weight);
    if (r != LDG_R_OK)
        return r;
    gov_proposal *pp = malloc(sizeof *pp);
    LDG_ASSERT(pp);
    r = vote_on(c, pp, id, choice, &com, weight);
    free(pp);
    return r;
}

static ldg_result vote_on(ldg_txctx *c, gov_proposal *p, uint64_t id, uint64_t choice,
                          const gov_committee *com, uint64_t weight)
{
    ldg_result r;
    bool found;
    if (gov_proposal_get(c->st, id, p, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (!found)
        return GOV_R_UNKNOWN_PROPOSAL;
    if (p->status != GOV_OPEN) {
        ldg_txctx_detail(c, "proposal %llu is %s", (unsigned long long)id,
                         gov_status_name(p->status));
        return GOV_R_PROPOSAL_CLOSED;
    }
    if (c->env->height > p->expiry_height) {
        ldg_txctx_detail(c, "proposal %llu expired at height %llu", (unsigned long long)id,
                         (unsigned long long)p->expiry_height);
        return GOV_R_PROPOSAL_EXPIRED;
    }
    uint8_t vk[10 + LDG_ACCOUNT_LEN];
    gov_key_id(vk, 'v', id);
    memcpy(vk + 10, c->sender.b, LDG_ACCOUNT_LEN);
    uint64_t prior;
    if (ldg_state_get_u64(c->st, vk, sizeof vk, &prior) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (prior) {
        ldg_txctx_detail(c, "this member voted %s on proposal %llu",
                         prior == GOV_VOTE_YES  ? "yes"
                         : prior == GOV_VOTE_NO ? "no"
                                                : "abstain",
                         (unsigned long long)id);
        return GOV_R_ALREADY_VOTED;
    }
    record_vote(c, p, choice, weight);
    uint64_t q, a;
    if (gov_param_get(c->st, "gov.quorum_bps", &q) != LDG_OK ||
        gov_param_get(c->st, "gov.approval_bps", &a) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (gov_tally_passes(p->yes, p->no, p->abstain, com->total_weight, q, a) &&
        (r = pass(c, p)) != LDG_R_OK)
        return r;
    gov_proposal_put(c->st, p);
    put_id(c, id);
    return LDG_R_OK;
}

/* ---- the block hook ---- */

typedef struct due_scan {
    uint64_t height; /* entries at or below this height are due */
    uint64_t ids[GOV_EXPIRIES_PER_BLOCK];
    uint64_t heights[GOV_EXPIRIES_PER_BLOCK];
    size_t n, max;
} due_scan;

static uint64_t be64_at(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static bool on_due(void *arg, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
    due_scan *s = arg;
    if (kl != 18 || be64_at(k + 2) > s->height)
        return false; /* sorted by height: nothing further is due */
    s->heights[s->n] = be64_at(k + 2);
    s->ids[s->n++] = be64_at(k + 10);
    return s->n < s->max;
}

static ldg_err activate_one(const ldg_registry *r, ldg_state *st, const ldg_env *env, uint64_t id,
                            gov_proposal *p)
{
    bool found;
    ldg_err e = gov_proposal_get(st, id, p, &found);
    if (e != LDG_OK)
        return e;
    if (!found || p->status != GOV_PASSED)
        return LDG_ERR_CORRUPT;
    ldg_dec dec;
    gov_params params;
    if ((e = gov_params_decode_stored(p, &dec, &params)) != LDG_OK)
        return e;
    char detail[LDG_TEXT_LEN_MAX + 1] = "";
    ldg_state_tx_begin(st);
    ldg_result res = gov_kind_apply(r, st, env, id, &params, detail, sizeof detail);
    ldg_dec_free(&dec);
    if (res == LDG_R_STORE_FAILED) {
        ldg_state_tx_rollback(st);
        return LDG_ERR_IO;
    }
    if (res != LDG_R_OK) {
        /* Nothing of the action stays; the proposal records why. */
        ldg_state_tx_rollback(st);
        ldg_state_tx_begin(st);
    }
    p->status = res == LDG_R_OK ? GOV_ACTIVATED : GOV_FAILED;
    p->result = res;
    snprintf(p->detail, sizeof p->detail, "%s", detail);
    gov_proposal_put(st, p);
    ldg_state_tx_commit(st);
    return LDG_OK;
}

static ldg_err expire_one(ldg_state *st, uint64_t id, gov_proposal *p)
{
    bool found;
    uint64_t open;
    ldg_err e = gov_proposal_get(st, id, p, &found);
    if (e == LDG_OK)
        e = ldg_state_get_u64(st, KEY_OPEN, sizeof KEY_OPEN, &open);
    if (e != LDG_OK)
        return e;
    if (!found || p->status != GOV_OPEN)
        return LDG_ERR_CORRUPT;
    p->status = GOV_EXPIRED;
    gov_proposal_put(st, p);
    ldg_state_put_u64(st, KEY_OPEN, sizeof KEY_OPEN, open ? open - 1 : 0);
    return LDG_OK;
}

static ldg_err expire_due(ldg_state *st, uint64_t height, gov_proposal **pp);

/* At the start of block H: activates the passed proposals whose activation height is <= H
 * and expires the open ones whose expiry height is < H, oldest first, a bounded number. */
static ldg_err gov_hook(const ldg_registry *r, ldg_state *st, const ldg_env *env)
{
    uint64_t pending, open;
    ldg_err e = ldg_state_get_u64(st, KEY_PENDING, sizeof KEY_PENDING, &pending);
    if (e == LDG_OK)
        e = ldg_state_get_u64(st, KEY_OPEN, sizeof KEY_OPEN, &open);
    if (e != LDG_OK || (!pending && !open))
        return e; /* the common block: two cached reads */
    due_scan s = {.height = env->height, .max = GOV_ACTIVATIONS_PER_BLOCK};
    const uint8_t pa[2] = {'G', 'a'};
    if (pending)
        e = ldg_state_scan(st, pa, sizeof pa, s.max, on_due, &s);
    gov_proposal *p = NULL;
    if (e == LDG_OK && s.n > 0) {
        p = malloc(sizeof *p);
        LDG_ASSERT(p);
        ldg_state_put_u64(st, KEY_PENDING, sizeof KEY_PENDING, pending > s.n ? pending - s.n : 0);
    }
    for (size_t i = 0; e == LDG_OK && i < s.n; i++) {
        uint8_t k[18];
        index_key(k, 'a', s.heights[i], s.ids[i]);
        ldg_state_del(st, k, sizeof k);
        e = activate_one(r, st, env, s.ids[i], p);
    }
    if (e == LDG_OK && open && env->height > 0)
        e = expire_due(st, env->height - 1, &p);
    free(p);
    return e;
}

static ldg_err expire_due(ldg_state *st, uint64_t height, gov_proposal **pp)
{
    const uint8_t pe[2] = {'G', 'e'};
    due_scan s = {.height = height, .max = GOV_EXPIRIES_PER_BLOCK};
    ldg_err e = ldg_state_scan(st, pe, sizeof pe, s.max, on_due, &s);
    if (e == LDG_OK && s.n > 0 && !*pp) {
        *pp = malloc(sizeof **pp);
        LDG_ASSERT(*pp);
    }
    for (size_t i = 0; e == LDG_OK && i < s.n; i++) {
        uint8_t k[18];
        index_key(k, 'e', s.heights[i], s.ids[i]);
        ldg_state_del(st, k, sizeof k);
        e = expire_one(st, s.ids[i], *pp);
    }
    return e;
}

/* A pending activation is work: blocks must come for its height to come. */
static bool gov_work_due(ldg_state *st, uint64_t time_ms)
{
    uint64_t pending = 0;
    return ldg_state_get_u64(st, KEY_PENDING, sizeof KEY_PENDING, &pending) == LDG_OK &&
           pending > 0;
}

static ldg_result gov_code_gate(ldg_txctx *c, const uint8_t code_hash[32])
{
    uint8_t key[34] = {'G', 'h'};
    memcpy(key + 2, code_hash, 32);
    const uint8_t *v;
    size_t vl;
    bool found;
    if (ldg_state_get(c->st, key, sizeof key, &v, &vl, &found) != LDG_OK)
        return LDG_R_STORE_FAILED;
    if (found)
        return LDG_R_OK;
    char hex[65];
    ldg_hex_encode(hex, code_hash, 32);
    ldg_txctx_detail(c, "code hash %s is not approved: propose code-approve", hex);
    return GOV_R_CODE_NOT_APPROVED;
}

static const ldg_tx_type gov_types[] = {
    {GOV_TX_PROPOSE, "gov.propose", 0, apply_propose},
    {GOV_TX_VOTE, "gov.vote", 0, apply_vote},
};

void gov_genesis_hook(ldg_state *st, const struct ldg_genesis *g);

void gov_module_register(ldg_registry *r)
{
    ldg_result_register(gov_results, LDG_ARRAY_LEN(gov_results));
    for (size_t i = 0; i < LDG_ARRAY_LEN(gov_types); i++)
        ldg_registry_add_tx(r, &gov_types[i]);
    ldg_registry_add_genesis_hook(r, gov_genesis_hook);
    ldg_registry_add_hook_reg(r, gov_hook);
    ldg_registry_add_work_due(r, gov_work_due);
    ldg_registry_set_code_gate(r, gov_code_gate);
    ldg_registry_set_block_limits(r, gov_block_limits);
}
